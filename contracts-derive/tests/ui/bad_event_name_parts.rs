loop_contracts::event! {
    #[event("lead.captured")]
    pub struct LeadCaptured {
        email: email,
    }
}

fn main() {}
