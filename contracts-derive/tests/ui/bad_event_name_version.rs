loop_contracts::event! {
    #[event("lead.captured.v01")]
    pub struct LeadCaptured {
        email: email,
    }
}

fn main() {}
