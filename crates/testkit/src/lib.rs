//! Test helpers shared by Calypso's crates.
//!
//! [`conformance`] runs the Kusto-answered suites of `shared/conformance/`
//! through the library and compares the answers. FIXME: the `.kql`
//! golden-file runner belongs here too and is not written yet; the
//! end-to-end tests live in `crates/cli/tests` and `crates/engine/tests`.

pub mod conformance;
