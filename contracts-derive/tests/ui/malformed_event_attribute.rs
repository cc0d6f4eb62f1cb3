loop_contracts::event! {
    #[event(name = "lead.captured.v1")]
    pub struct LeadCaptured {
        email: email,
    }
}

fn main() {}
