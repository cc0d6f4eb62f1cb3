loop_contracts::event! {
    #[event("lead.captured.v1")]
    pub struct LeadCaptured {
        mood: enum Mood { "happy", ":-)" },
    }
}

fn main() {}
