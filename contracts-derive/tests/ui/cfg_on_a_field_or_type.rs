loop_contracts::event! {
    #[event("lead.captured.v1")]
    #[cfg(feature = "leads")]
    pub struct LeadCaptured {
        #[cfg(feature = "marketing")]
        email: email,
        address: #[cfg(unix)] object Address { city: string },
    }
}

fn main() {}
