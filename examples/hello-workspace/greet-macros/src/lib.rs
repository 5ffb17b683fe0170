//! `#[derive(Greeting)]` implements `greet::Greeting` with the type's name, without syn/quote so the example
//! builds with no registry at all.
use proc_macro::TokenStream;

#[proc_macro_derive(Greeting)]
pub fn derive_greeting(input: TokenStream) -> TokenStream {
    let mut tokens = input.into_iter().map(|t| t.to_string());
    let mut name = String::new();
    while let Some(t) = tokens.next() {
        if t == "struct" || t == "enum" {
            name = tokens.next().expect("a type name after struct/enum");
            break;
        }
    }
    format!(
        "impl greet::Greeting for {name} {{ fn greeting(&self) -> String {{ format!(\"Hello from {name}!\") }} }}"
    )
    .parse()
    .unwrap()
}
