"""The live side: kubeconfig and in-cluster auth, discovery, list then watch with resume, into the store.

Only this package talks to a Kubernetes API, and only with get, list and watch.
"""
