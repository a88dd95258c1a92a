use super::*;

#[test]
fn k_takes_one_to_max_k() {
    assert_eq!(K::new(1).unwrap().get(), 1);
    assert_eq!(K::new(MAX_K).unwrap().get(), MAX_K);
    assert_eq!(K::new(0), Err(KError::OutOfRange(0)));
    assert_eq!(K::try_from(11), Err(KError::OutOfRange(11)));
    assert_eq!(" 3 ".parse::<K>().unwrap().get(), 3);
    assert_eq!("x".parse::<K>(), Err(KError::NotANumber("x".into())));
    assert_eq!("-1".parse::<K>(), Err(KError::NotANumber("-1".into())));
    assert_eq!(K::default().get(), 1);
    assert_eq!(K::new(4).unwrap().to_string(), "4");
}

#[test]
fn k_errors_name_the_value_and_the_rule() {
    assert_eq!(
        K::new(0).unwrap_err().to_string(),
        "must be between 1 and 10, got 0"
    );
    assert_eq!(
        "two".parse::<K>().unwrap_err().to_string(),
        "must be a whole number between 1 and 10, got \"two\""
    );
}

#[test]
fn alpha_is_strictly_between_zero_and_one() {
    assert_eq!(Alpha::new(0.01).unwrap().get(), 0.01);
    for bad in [0.0, 1.0, -0.1, 2.0, f64::NAN, f64::INFINITY] {
        assert!(Alpha::new(bad).is_err(), "{bad}");
    }
    assert!(Alpha::try_from(0.999).is_ok());
    assert_eq!("0.1".parse::<Alpha>().unwrap().get(), 0.1);
    assert!(matches!(
        "a lot".parse::<Alpha>(),
        Err(AlphaError::NotANumber(_))
    ));
    assert!(matches!(
        "NaN".parse::<Alpha>(),
        Err(AlphaError::OutOfRange(_))
    ));
    assert_eq!(Alpha::default().get(), 0.05);
    assert_eq!(Alpha::default().to_string(), "0.05");
}

#[test]
fn alpha_errors_name_the_value_and_the_rule() {
    assert_eq!(
        Alpha::new(2.0).unwrap_err().to_string(),
        "must be between 0 and 1 (exclusive), got 2"
    );
}

#[test]
fn huge_numbers_in_messages_are_short() {
    for msg in [
        Alpha::new(1e308).unwrap_err().to_string(),
        Bandwidth::new(1e300).unwrap_err().to_string(),
    ] {
        assert!(msg.contains("e30"), "{msg}");
        assert!(msg.len() < 100, "{msg}");
    }
    // ordinary values read as written
    assert!(
        Alpha::new(1.5)
            .unwrap_err()
            .to_string()
            .ends_with("got 1.5")
    );
}
