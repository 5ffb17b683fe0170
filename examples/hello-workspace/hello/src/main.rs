use greet::Greeting;
use greet_macros::Greeting;

#[derive(Greeting)]
struct Crab;

fn main() {
    let name = std::env::args().nth(1).unwrap_or_else(|| "world".to_string());
    println!("{}", greet::greet(&name));
    println!("{}", Crab.greeting());
    println!("built for {}", greet::TARGET);
}
