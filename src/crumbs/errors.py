"""The error tree of Crumbs, and the exit codes the CLI maps it to.

Every error a user can cause (bad input, a store that cannot be opened, a time
that does not parse) is a :class:`CrumbsError`; the CLI's single handler prints
its one-line message and exits with its ``exit_code``. Anything else that
escapes is a bug: the handler prints the traceback and where to report it.

    CrumbsError                 exit 1
    ├── UsageError              exit 2   a bad option value (time, kind, revision)
    ├── InputError              exit 1   a file or document that cannot be read
    ├── StoreError              exit 1   the store cannot be opened or written
    │   └── StoreVersionError   exit 1   written by a newer Crumbs
    ├── NotFoundError           exit 1   no such object in the store
    ├── ClusterError            exit 1   no kubeconfig, a context that does not exist, an API server that refuses us
    ├── KeyFileError            exit 1   the host key (crumbs.keys) cannot be read or created
    ├── ReadOnlyError           exit 1   something asked the live client for a verb other than get, list, watch
    ├── AgentError              exit 1   the node agent cannot start (crumbs.agent.bpftrace: no bpftrace, no root, no tracefs)
    ├── CopilotError            exit 1   the copilot's model cannot be reached or refuses (crumbs.cli.ask)
    └── BuildError              exit 1   a plugin cannot be built (crumbs.plugins.build: no toolchain, a compile error)

Internal errors, each caught where it is raised and turned into a message, a finding or one of
the above, never escaping to the user as such:

    ApiError, TooLarge, Gone    crumbs.cluster: an API server's answer (a warning, a retry, a relist)
    ModelError                  crumbs.explain.model: a model's failure, ended as a trace status
    ToolError                   crumbs.explain.tools: bad tool arguments, told back to the model
    PluginError, OutputError,   crumbs.plugins: a plugin that fails, as an analyzer-failed finding
      ManifestError
    ScheduleError               crumbs.analyze.cronexpr: a CronJob schedule the controller refuses (a finding)
    FieldsError                 crumbs.trail.fieldsets: damaged managedFields (attribution unknown)
    BadNodeEvent, NotExact      crumbs.formats: a record that cannot be read (a rejected line)
    NotRegularFile              crumbs.files: a FIFO or device among the paths (skipped or refused)

Exit codes: 0 success; 1 an error, or something was rejected; 2 bad usage;
3 findings at error severity (``scan``); 130 interrupted.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_FINDINGS = 3
EXIT_INTERRUPTED = 130


class CrumbsError(Exception):
    """Base of every error a user can cause; ``str(err)`` is one line."""

    exit_code = EXIT_ERROR


class UsageError(CrumbsError):
    """An option value that does not make sense (a time, a kind, a revision)."""

    exit_code = EXIT_USAGE


class InputError(CrumbsError):
    """A file or document that cannot be read. ``where`` names the place."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}" if where else message)
        self.where = where
        self.message = message


class StoreError(CrumbsError):
    """The store cannot be opened, created or written."""


class StoreVersionError(StoreError):
    """The store holds migrations this version of Crumbs does not know."""


class NotFoundError(CrumbsError):
    """The object asked for is not in the store."""


class ClusterError(CrumbsError):
    """The cluster cannot be reached or refuses us (kubeconfig, context, credentials)."""


class KeyFileError(CrumbsError):
    """The host key cannot be read or created (the message names the file and why)."""


class ReadOnlyError(CrumbsError):
    """Crumbs never mutates a cluster: the live client refuses every verb but get, list and watch."""
