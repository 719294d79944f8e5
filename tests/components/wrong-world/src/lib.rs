//! Test component of the wrong shape: it exports `test:wrong/greeter`, not
//! `welcome:page/policy`, so the host must refuse it as a policy (at load
//! time, keeping what it had) and say why.

mod bindings {
    #![allow(missing_docs)]
    wit_bindgen::generate!({
        inline: "
            package test:wrong@0.1.0;

            interface greeter {
                greet: func(name: string) -> string;
            }

            world wrong {
                export greeter;
            }
        ",
    });
}

use bindings::exports::test::wrong::greeter::Guest;

/// The exported greeter.
pub struct Greeter;

impl Guest for Greeter {
    fn greet(name: String) -> String {
        format!("hello, {name}")
    }
}

bindings::export!(Greeter with_types_in bindings);
