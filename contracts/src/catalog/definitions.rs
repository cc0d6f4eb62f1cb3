//! The definitions of the built-in events.

/// `lead.captured.v1`, exactly as the platform's integration guide publishes it.
pub mod lead_captured {
    crate::event! {
        /// A lead was captured: a form, a quiz or an inbound source produced a contactable person.
        #[event("lead.captured.v1")]
        pub struct LeadCaptured {
            /// The lead's email address.
            email: email,
            /// Where the lead came from.
            source: enum LeadSource { "vsl_form", "quiz_completion", "inbound_lead", "other" },
            /// Campaign attribution (UTM parameters, referrer, ...), free-form.
            attribution: object,
            /// The platform's person, when the lead is already known.
            personId?: uuid,
        }
    }
}

/// `order.completed.v1`: Shopify `orders/create` and `orders/paid`, BigCommerce `store/order/created`.
pub mod order_completed {
    crate::event! {
        /// An order was placed in a connected shop.
        #[event("order.completed.v1")]
        pub struct OrderCompleted {
            /// The buyer's email (the integration guide's example event carries it). BigCommerce
            /// callbacks do not: the host looks the order up and supplies it.
            email: email,
            /// The commerce platform the order comes from.
            platform?: enum CommercePlatform { "shopify", "bigcommerce", "custom" },
            /// The provider's order id, as a string (Shopify ids exceed 2^53).
            orderId?: string(min = 1),
            /// The order number shown to the customer (`#1001`).
            orderNumber?: string,
            /// The buyer's phone number as the provider sends it.
            phone?: string,
            /// The provider's customer id.
            customerId?: string,
            /// ISO 4217 currency code.
            currency?: string,
            /// The order total as the provider's decimal string (`"404.95"`).
            totalPrice?: string,
            /// The provider's payment status (`paid`, `pending`, `voided`, ...).
            financialStatus?: string,
            /// The ordered items.
            lineItems?: array<object OrderLineItem {
                /// The product title.
                title: string,
                /// How many.
                quantity: integer,
                /// The stock keeping unit.
                sku?: string,
                /// The unit price as a decimal string.
                price?: string,
                /// The provider's product id.
                productId?: string,
                /// The provider's variant id.
                variantId?: string,
            }>,
            /// The order's tags.
            tags?: array<string>,
            /// Custom attributes of the order (Shopify note attributes), by name.
            attributes?: object,
        }
    }
}

/// `customer.created.v1`: Shopify `customers/create`, BigCommerce `store/customer/created`.
pub mod customer_created {
    crate::event! {
        /// A customer account was created in a connected shop.
        #[event("customer.created.v1")]
        pub struct CustomerCreated {
            /// The commerce platform the customer comes from.
            platform: enum CommercePlatform { "shopify", "bigcommerce", "custom" },
            /// The provider's customer id, as a string.
            customerId: string(min = 1),
            /// The customer's email; absent when the provider does not send it (BigCommerce).
            email?: email,
            /// Given name.
            firstName?: string,
            /// Family name.
            lastName?: string,
            /// Phone number as the provider sends it.
            phone?: string,
            /// Whether the customer agreed to marketing email.
            acceptsMarketing?: boolean,
            /// The customer's tags.
            tags?: array<string>,
        }
    }
}

/// `fulfillment.created.v1`: Shopify `fulfillments/create`.
pub mod fulfillment_created {
    crate::event! {
        /// An order (or part of it) was handed to a carrier.
        #[event("fulfillment.created.v1")]
        pub struct FulfillmentCreated {
            /// The commerce platform the fulfillment comes from.
            platform: enum CommercePlatform { "shopify", "bigcommerce", "custom" },
            /// The provider's fulfillment id, as a string.
            fulfillmentId: string(min = 1),
            /// The provider's order id, as a string.
            orderId: string(min = 1),
            /// The fulfillment's status (`success`, `pending`, ...).
            status?: string,
            /// The buyer's email.
            email?: email,
            /// The carrier.
            trackingCompany?: string,
            /// Tracking numbers.
            trackingNumbers?: array<string>,
            /// Tracking pages, as the carrier gives them.
            trackingUrls?: array<string>,
            /// The items shipped.
            lineItems?: array<object FulfillmentLineItem {
                /// The product title.
                title: string,
                /// How many.
                quantity: integer,
                /// The stock keeping unit.
                sku?: string,
            }>,
        }
    }
}

/// `form.submitted.v1`: Typeform `form_response`.
pub mod form_submitted {
    crate::event! {
        /// Someone completed a form.
        #[event("form.submitted.v1")]
        pub struct FormSubmitted {
            /// The form provider.
            provider: enum FormProvider { "typeform", "custom" },
            /// The provider's form id.
            formId: string(min = 1),
            /// The provider's response id (Typeform's response token).
            responseId: string(min = 1),
            /// The form's title.
            formTitle?: string,
            /// The respondent's email, when a question asked for it.
            email?: email,
            /// The answers, in the order of the form.
            answers: array<object FormAnswer {
                /// The provider's question id.
                fieldId: string,
                /// The question's kind (`short_text`, `email`, `multiple_choice`, ...).
                fieldType: string,
                /// The question's stable reference, when set.
                fieldRef?: string,
                /// A text-like answer (text, email, date, URL, phone number, a single choice).
                text?: string,
                /// A numeric answer (number, rating, opinion scale).
                number?: number,
                /// A yes/no or legal answer.
                boolean?: boolean,
                /// The labels of a multiple choice answer.
                choices?: array<string>,
            }>,
            /// Hidden fields passed to the form, by name.
            hidden?: object,
            /// The computed score, when the form has one.
            score?: number,
        }
    }
}

/// `booking.scheduled.v1`: Calendly `invitee.created`.
pub mod booking_scheduled {
    crate::event! {
        /// Someone booked a meeting.
        #[event("booking.scheduled.v1")]
        pub struct BookingScheduled {
            /// The scheduling provider.
            provider: enum BookingProvider { "calendly", "custom" },
            /// The provider's booking identity (Calendly's invitee URI).
            bookingId: string(min = 1),
            /// The invitee's email.
            email: email,
            /// The invitee's full name.
            name?: string,
            /// Given name.
            firstName?: string,
            /// Family name.
            lastName?: string,
            /// The provider's scheduled-event identity.
            scheduledEventId?: string,
            /// The meeting's name.
            eventName?: string,
            /// When the meeting starts.
            startTime?: datetime,
            /// When the meeting ends.
            endTime?: datetime,
            /// The invitee's time zone (IANA name).
            timezone?: string,
            /// Whether this booking replaces an earlier one.
            rescheduled?: boolean,
            /// Campaign attribution (UTM parameters), free-form.
            tracking?: object,
            /// Answers to the booking questions.
            questionsAndAnswers?: array<object BookingAnswer {
                /// The question.
                question: string,
                /// The answer.
                answer: string,
                /// The question's position on the booking page.
                position?: integer,
            }>,
        }
    }
}

/// `booking.canceled.v1`: Calendly `invitee.canceled`.
pub mod booking_canceled {
    crate::event! {
        /// A booked meeting was canceled (or moved: a reschedule cancels the old booking).
        #[event("booking.canceled.v1")]
        pub struct BookingCanceled {
            /// The scheduling provider.
            provider: enum BookingProvider { "calendly", "custom" },
            /// The provider's booking identity (Calendly's invitee URI).
            bookingId: string(min = 1),
            /// The invitee's email.
            email: email,
            /// The invitee's full name.
            name?: string,
            /// The provider's scheduled-event identity.
            scheduledEventId?: string,
            /// Who canceled, as the provider names them.
            canceledBy?: string,
            /// Which side canceled (`host`, `invitee`).
            cancelerType?: string,
            /// The reason given.
            reason?: string,
            /// Whether the booking was moved rather than dropped.
            rescheduled?: boolean,
        }
    }
}

/// `message.sent.v1`.
pub mod message_sent {
    crate::event! {
        /// The platform handed a message to its delivery provider.
        #[event("message.sent.v1")]
        pub struct MessageSent {
            /// The platform's message id.
            messageId: uuid,
            /// The channel.
            channel: enum Channel { "email", "sms", "push", "whatsapp" },
            /// The address the message went to (email address, phone number, device token).
            recipient: string(min = 1),
            /// The platform's person.
            personId?: uuid,
            /// The campaign or flow that sent it.
            campaignId?: string,
            /// The template used.
            templateId?: string,
            /// The subject line (email).
            subject?: string,
            /// The delivery provider.
            provider?: string,
        }
    }
}

/// `message.delivered.v1`.
pub mod message_delivered {
    crate::event! {
        /// The recipient's provider accepted the message.
        #[event("message.delivered.v1")]
        pub struct MessageDelivered {
            /// The platform's message id.
            messageId: uuid,
            /// The channel.
            channel: enum Channel { "email", "sms", "push", "whatsapp" },
            /// The address the message went to.
            recipient: string(min = 1),
            /// The platform's person.
            personId?: uuid,
            /// The campaign or flow that sent it.
            campaignId?: string,
            /// The delivery provider.
            provider?: string,
        }
    }
}

/// `message.bounced.v1`.
pub mod message_bounced {
    crate::event! {
        /// The message could not be delivered to the recipient's address.
        #[event("message.bounced.v1")]
        pub struct MessageBounced {
            /// The platform's message id.
            messageId: uuid,
            /// The channel.
            channel: enum Channel { "email", "sms", "push", "whatsapp" },
            /// The address the message went to.
            recipient: string(min = 1),
            /// Permanent (`hard`: stop sending), temporary (`soft`) or refused by policy (`blocked`).
            bounceType: enum BounceType { "hard", "soft", "blocked" },
            /// The reason in words.
            reason?: string,
            /// The receiving server's diagnostic (SMTP reply, carrier code).
            diagnosticCode?: string,
            /// The platform's person.
            personId?: uuid,
            /// The campaign or flow that sent it.
            campaignId?: string,
        }
    }
}

/// `message.opened.v1`.
pub mod message_opened {
    crate::event! {
        /// The recipient opened the message.
        #[event("message.opened.v1")]
        pub struct MessageOpened {
            /// The platform's message id.
            messageId: uuid,
            /// The channel.
            channel: enum Channel { "email", "sms", "push", "whatsapp" },
            /// The address the message went to.
            recipient: string(min = 1),
            /// The platform's person.
            personId?: uuid,
            /// The campaign or flow that sent it.
            campaignId?: string,
            /// The reader's user agent.
            userAgent?: string,
        }
    }
}

/// `message.clicked.v1`.
pub mod message_clicked {
    crate::event! {
        /// The recipient followed a link in the message.
        #[event("message.clicked.v1")]
        pub struct MessageClicked {
            /// The platform's message id.
            messageId: uuid,
            /// The channel.
            channel: enum Channel { "email", "sms", "push", "whatsapp" },
            /// The address the message went to.
            recipient: string(min = 1),
            /// The link followed, as written in the message.
            link: string(min = 1),
            /// The platform's person.
            personId?: uuid,
            /// The campaign or flow that sent it.
            campaignId?: string,
            /// The reader's user agent.
            userAgent?: string,
        }
    }
}

/// `message.failed.v1`.
pub mod message_failed {
    crate::event! {
        /// The platform gave up sending the message.
        #[event("message.failed.v1")]
        pub struct MessageFailed {
            /// The platform's message id.
            messageId: uuid,
            /// The channel.
            channel: enum Channel { "email", "sms", "push", "whatsapp" },
            /// The address the message was for.
            recipient: string(min = 1),
            /// The reason in words.
            reason: string(min = 1),
            /// The provider's error code.
            errorCode?: string,
            /// Whether sending again later may succeed.
            retryable?: boolean,
            /// The platform's person.
            personId?: uuid,
            /// The campaign or flow that sent it.
            campaignId?: string,
        }
    }
}

pub use booking_canceled::BookingCanceled;
pub use booking_scheduled::BookingScheduled;
pub use customer_created::CustomerCreated;
pub use form_submitted::FormSubmitted;
pub use fulfillment_created::FulfillmentCreated;
pub use lead_captured::LeadCaptured;
pub use message_bounced::MessageBounced;
pub use message_clicked::MessageClicked;
pub use message_delivered::MessageDelivered;
pub use message_failed::MessageFailed;
pub use message_opened::MessageOpened;
pub use message_sent::MessageSent;
pub use order_completed::OrderCompleted;
