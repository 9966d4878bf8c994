//! The TCP transport never waits for ever (adv19 finding 2): a chip that accepts the
//! connection and then stays silent is an I/O error once the answer timeout passes.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::net::TcpListener;
use std::time::{Duration, Instant};

use dongpo_chip::terminal::{TcpTransport, Transport};

#[test]
fn a_silent_chip_is_an_error_after_the_answer_timeout() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap().to_string();
    // Accepts and holds the connection, never answering.
    let holder = std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        std::thread::sleep(Duration::from_secs(5));
        drop(stream);
    });
    let mut transport = TcpTransport::connect_with_timeouts(
        &address,
        Duration::from_secs(5),
        Duration::from_millis(300),
    )
    .unwrap();
    let started = Instant::now();
    let answer = transport.transmit(&[0x00, 0x84, 0x00, 0x00, 0x08]);
    assert!(answer.is_err(), "{answer:?}");
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "the read waited for the peer instead of the timeout"
    );
    holder.join().unwrap();
}
