"""`formcheck serve`: the upload web app for athletes and coaches.

    app.py       the FastAPI application: the routes, the static files, security middleware
    api.py       the JSON API's routes;  models.py  its models (the OpenAPI schema)
    pages.py     the HTML pages and the error pages
    state.py     `Web`, the state the routes share, and how a job looks to them
    options.py   `ServeOptions`, how `formcheck serve` runs
    store.py     the durable queue: the jobs and the workers' leases on them
    records.py   the store's files: the SQLite database and the job folders
    recovery.py  re-queueing or failing what stopped workers left, removing orphan folders
    uploads.py   streaming multipart uploads to disk with a size limit; the video check
    pool.py      the worker processes, supervised by the server
    worker.py    one worker process: claims queued jobs and runs `pipeline.analyze`
    probe.py     `python -m formcheck.web.probe FILE`: is an upload a video? (own process)
    security.py  access token, host and origin checks, security headers
    server.py    options, the data-folder lock and the listening socket for `formcheck serve`

This package imports nothing heavy at import time: the workers import `formcheck.pipeline`, the
server imports FastAPI.
"""
