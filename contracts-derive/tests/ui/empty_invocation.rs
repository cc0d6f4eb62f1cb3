loop_contracts::event! {}

fn main() {}
