"""The kernel: what every domain shares and no domain owns. The database handle, the
clock, column types, errors, validation, secrets, links, languages, the queue API
(enqueueing after commit, queue names, retry exceptions) and bulk writes. It imports no
domain and no surface."""
