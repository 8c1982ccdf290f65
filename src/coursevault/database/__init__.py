"""The database: the connection, the embedded MongoDB-compatible server, its engine
and the supervision of server and worker processes."""
