//! Loopback endpoints that are not AWS, for tests that must fail to reach
//! it: found on a port the kernel gives, never assumed closed (a fixed port
//! such as 9 may be taken by anything on the machine).

use std::io::ErrorKind;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// What a [`DeadEndpoint`] does with a connection it accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer {
    /// Closes it at once, before any byte of an answer: every call fails
    /// at the transport level, at once.
    HangUp,
    /// Keeps it open and never writes: a call waits until its own timeout.
    Never,
}

/// A loopback TCP endpoint that accepts connections and never answers one.
/// It counts them, so a test can also prove that nothing tried. Stopped on
/// drop.
pub struct DeadEndpoint {
    address: SocketAddr,
    /// The peer address of every connection accepted, in order.
    peers: Arc<Mutex<Vec<SocketAddr>>>,
    /// Those of them that were the endpoint's own ([`DeadEndpoint::connections`]).
    own: Mutex<Vec<SocketAddr>>,
    stopping: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl DeadEndpoint {
    /// An endpoint that hangs up on every connection it accepts.
    pub fn hanging_up() -> Self {
        Self::start(Answer::HangUp)
    }

    /// An endpoint that accepts every connection and never replies.
    pub fn silent() -> Self {
        Self::start(Answer::Never)
    }

    fn start(answer: Answer) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        let peers = Arc::new(Mutex::new(Vec::new()));
        let stopping = Arc::new(AtomicBool::new(false));
        let thread = std::thread::spawn({
            let (peers, stopping) = (peers.clone(), stopping.clone());
            move || {
                // Held open until the endpoint stops (`Answer::Never`).
                let mut open = Vec::new();
                for stream in listener.incoming() {
                    if stopping.load(Ordering::SeqCst) {
                        return;
                    }
                    let Ok(stream) = stream else { continue };
                    if let Ok(peer) = stream.peer_addr() {
                        peers.lock().unwrap().push(peer);
                    }
                    match answer {
                        Answer::HangUp => drop(stream),
                        Answer::Never => open.push(stream),
                    }
                }
            }
        });
        Self {
            address,
            peers,
            own: Mutex::default(),
            stopping,
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:<port>`, for `AWS_ENDPOINT_URL`.
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Connections others made so far, every one made before this call
    /// included: the endpoint connects to itself and waits until that
    /// connection is accepted, which the kernel does after every earlier one.
    pub fn connections(&self) -> usize {
        let sentinel = TcpStream::connect(self.address).unwrap();
        let mine = sentinel.local_addr().unwrap();
        let mut own = self.own.lock().unwrap();
        own.push(mine);
        loop {
            let peers = self.peers.lock().unwrap();
            if peers.contains(&mine) {
                return peers.iter().filter(|peer| !own.contains(peer)).count();
            }
            drop(peers);
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

impl Drop for DeadEndpoint {
    fn drop(&mut self) {
        self.stopping.store(true, Ordering::SeqCst);
        // Wakes the accept loop, which sees the flag and ends.
        match TcpStream::connect(self.address) {
            Ok(_) => {}
            Err(error) if error.kind() == ErrorKind::ConnectionRefused => {}
            Err(error) => panic!("cannot stop the endpoint at {}: {error}", self.address),
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
