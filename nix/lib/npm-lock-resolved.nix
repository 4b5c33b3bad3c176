# package-lock.json with a registry `resolved` URL for every package that has none. npm leaves
# them out when `omit-lockfile-registry-resolved` is set (as on the machines this lockfile is
# written on), and nixpkgs' importNpmLock fetches only what has a `resolved` URL (with the
# lockfile's `integrity` as the hash). Pure, builtins only, so CI evaluates it with
# `nix-instantiate --eval` without nixpkgs.
#
#   import ./npm-lock-resolved.nix { lock = builtins.fromJSON (builtins.readFile ../../package-lock.json); }
{
  lock,
  registry ? "https://registry.npmjs.org",
}:
let
  # "node_modules/a/node_modules/@scope/b" -> "@scope/b"
  nameOf =
    path: module:
    if module ? name then
      module.name
    else
      let
        parts = builtins.split "node_modules/" path;
      in
      builtins.elemAt parts (builtins.length parts - 1);

  # "@scope/b" -> "b"
  baseOf =
    name:
    let
      parts = builtins.split "/" name;
    in
    builtins.elemAt parts (builtins.length parts - 1);

  needsUrl =
    path: module:
    path != ""
    && !(module ? resolved)
    && !(module.link or false)
    && module ? version
    && module ? integrity;

  withUrl =
    path: module:
    if needsUrl path module then
      let
        name = nameOf path module;
      in
      module // { resolved = "${registry}/${name}/-/${baseOf name}-${module.version}.tgz"; }
    else
      module;
in
lock // { packages = builtins.mapAttrs withUrl lock.packages; }
