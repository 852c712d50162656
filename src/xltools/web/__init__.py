"""``xltools serve``: the quarter's steps as local web pages, for staff who use WPS or no command line.

A shell over the same library functions the CLI calls (:mod:`.operations`),
served on 127.0.0.1 only, behind a token, a session cookie and CSRF checks
(:mod:`.security`), with uploads and results in a private folder removed on exit
(:mod:`.workspace`) and long work off the request thread (:mod:`.jobs`).
Scripts, styles and the chart library (Apache ECharts) are bundled in
``static/``: the pages load nothing from any other host.
"""
