"""The `coursevault` command: `main` (serve, worker, users, mail, demo), `video`
(import, repackage, trace) and `base` (settings and a database for one command)."""
