//! Rebuilds the crate when a template changes: `include_dir!` embeds `templates/` but cannot tell
//! cargo which files it read.

fn main() {
    println!("cargo:rerun-if-changed=templates");
}
