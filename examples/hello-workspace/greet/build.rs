use std::env;
use std::fs;
use std::path::Path;

fn main() {
    let out_dir = env::var("OUT_DIR").unwrap();
    let target = env::var("TARGET").unwrap();
    fs::write(
        Path::new(&out_dir).join("built.rs"),
        format!("pub const TARGET: &str = {target:?};\n"),
    )
    .unwrap();
    println!("cargo::rustc-check-cfg=cfg(greet_has_build_script)");
    println!("cargo::rustc-cfg=greet_has_build_script");
    println!("cargo::rerun-if-changed=build.rs");
}
