use std::process::Command;

#[test]
fn prints_a_greeting() {
    let out = Command::new(env!("CARGO_BIN_EXE_hello")).arg("crab").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("HELLO, CRAB"), "{text}");
    assert!(text.contains("Hello from Crab!"), "{text}");
}
