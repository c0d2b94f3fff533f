"""The domains: one package per part of the business, each with its models, schemas and
the services that own its rules. Surfaces, hooks and jobs all call the same services. A
domain may use another domain and the kernel; it never imports a surface or the worker
process."""
