//! Plain-Rust semantics of the welcome page, shared by the host and the
//! guest components: Prosody's option names and defaults, form decoding,
//! registration decisions, invite URIs, asset paths and the template context.
//!
//! Nothing here touches wasm or I/O, so all of it is unit-tested natively.

pub mod asset_path;
pub mod context;
pub mod decision;
pub mod form;
pub mod invite;
pub mod options;
pub mod render;

pub use asset_path::{AssetPath, AssetPathError};
pub use context::{Message, RequestInfo, TemplateContext};
pub use decision::Decision;
pub use form::{FormError, decode_form};
pub use options::{OptionError, PageOptions};
pub use render::render;
