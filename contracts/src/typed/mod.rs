//! Typed events: the [`Event`](event::Event) trait every generated struct implements, the codecs its
//! fields decode and encode through, and [`Email`](email::Email), the one value type of its own.

pub(crate) mod checked;
pub mod codec;
pub(crate) mod email;
pub(crate) mod event;
mod infinite;
