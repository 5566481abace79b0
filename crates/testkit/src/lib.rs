//! Test helpers shared by Calypso's crates.
//!
//! FIXME: the `.kql` golden-file runner and the conformance runner over
//! `shared/conformance/` belong here and are not written yet; the end-to-end
//! tests live in `crates/cli/tests` and `crates/engine/tests` meanwhile.
