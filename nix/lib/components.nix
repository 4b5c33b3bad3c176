# CIM's components, in a fixed order (the host profile derives container addresses from it).
# The same list as COMPONENTS in src/runtime/components.ts; a test compares them.
[
  "events"
  "units"
  "registry"
  "pipeline"
  "ui"
]
