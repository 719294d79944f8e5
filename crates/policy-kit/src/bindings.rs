//! Bindings for the `policy-plugin` world: the config store, the key-value
//! store and atomics are imported, `welcome:page/policy` is exported.
//!
//! Generated once here; plugin crates export their policy with
//! [`crate::export!`]. On a native target the imports compile to stubs that
//! panic when called, so native tests never call them.
#![allow(missing_docs, clippy::all)]

wit_bindgen::generate!({
    world: "policy-plugin",
    path: "../../wit",
    generate_all,
    additional_derives: [PartialEq, Eq],
    additional_derives_ignore: ["cas-error"],
    pub_export_macro: true,
    default_bindings_module: "policy_kit::bindings",
    export_macro_name: "export_policy",
});
