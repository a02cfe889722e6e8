"""The application layer: what the faces (CLI, copilot, MCP) ask of the store and the
analyzers, as typed functions. (Issue 16 moves every reading command here.)"""
