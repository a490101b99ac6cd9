"""`formcheck serve`: the upload web app for athletes and coaches.

    app.py       the FastAPI application: JSON API, pages, security middleware
    store.py     the job table in SQLite (the durable queue) and the job folders on disk
    uploads.py   streaming multipart uploads to disk with a size limit; the video check
    pool.py      the worker processes, supervised by the server
    worker.py    one worker process: claims queued jobs and runs `pipeline.analyze`
    probe.py     `python -m formcheck.web.probe FILE`: is an upload a video? (own process)
    security.py  access token, host and origin checks, security headers
    server.py    options, the data-folder lock and the listening socket for `formcheck serve`

This package imports nothing heavy at import time: the workers import `formcheck.pipeline`, the
server imports FastAPI.
"""
