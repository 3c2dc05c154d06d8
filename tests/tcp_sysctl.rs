//! The TCP sysctls people read (issue 14, item 6): tcp_fin_timeout ends an orphan's
//! FIN_WAIT2, the congestion control refuses what Linux refuses, the buffer sizes are lists
//! of three (docs/fidelity-real.md §7).

mod common;

const NET: &str = "host a b\nswitch sw1\nlink a:eth0 sw1\nlink b:eth0 sw1\n\
                   a: ifconfig eth0 10.0.0.1/24\nb: ifconfig eth0 10.0.0.2/24\n";

#[test]
fn an_orphan_in_fin_wait2_lasts_tcp_fin_timeout() {
    // httpd answers and closes; b never closes its side: a's socket waits in FIN_WAIT2,
    // held by no program, for tcp_fin_timeout (here 20 s), then is gone.
    let lab = format!(
        "{NET}a: sysctl -w net.ipv4.tcp_fin_timeout=20\na: httpd\n\
         b: exec 8<> /dev/tcp/a/80\nb: echo -e 'GET / HTTP/1.0\\n' >&8\nrun 1s\n\
         a: netstat -nat\nexpect matches \"10\\.0\\.0\\.1:80 +10\\.0\\.0\\.2:[0-9]+ +FIN_WAIT2\"\n\
         run 18s\na: netstat -nat\nexpect contains \"FIN_WAIT2\"\n\
         run 2s\na: netstat -nat\nexpect not contains \"FIN_WAIT2\"\n\
         b: netstat -nat\nexpect contains \"CLOSE_WAIT\"\n"
    );
    if let Err(e) = common::run_lab_text("finwait2.lab", &lab) {
        panic!("{e}");
    }
}

#[test]
fn tcp_sysctls_show_and_refuse_as_linux_does() {
    let lab = format!(
        "{NET}a: sysctl net.ipv4.tcp_rmem net.ipv4.tcp_wmem net.ipv4.tcp_congestion_control net.ipv4.tcp_available_congestion_control net.ipv4.tcp_fin_timeout net.ipv4.tcp_tw_reuse\n\
         expect contains \"net.ipv4.tcp_rmem = 4096\t131072\t6291456\"\n\
         expect contains \"net.ipv4.tcp_wmem = 4096\t16384\t4194304\"\n\
         expect contains \"net.ipv4.tcp_congestion_control = cubic\"\n\
         expect contains \"net.ipv4.tcp_available_congestion_control = reno cubic\"\n\
         expect contains \"net.ipv4.tcp_fin_timeout = 60\"\n\
         expect contains \"net.ipv4.tcp_tw_reuse = 2\"\n\
         a: sysctl -w net.ipv4.tcp_congestion_control=bogus\n\
         expect contains \"sysctl: setting key \\\"net.ipv4.tcp_congestion_control\\\": No such file or directory\"\n\
         expect exit 1\n\
         a: echo bogus > /proc/sys/net/ipv4/tcp_congestion_control\n\
         expect contains \"bash: echo: write error: No such file or directory\"\n\
         a: sysctl -w net.ipv4.tcp_congestion_control=reno\n\
         expect contains \"net.ipv4.tcp_congestion_control = reno\"\n\
         a: sysctl -w net.ipv4.tcp_fin_timeout=abc\n\
         expect contains \"Invalid argument\"\n\
         a: sysctl -w net.ipv4.tcp_tw_reuse=3\n\
         expect contains \"Invalid argument\"\n\
         a: sysctl -w 'net.ipv4.tcp_rmem=4096 87380'\n\
         expect contains \"Invalid argument\"\n\
         a: sysctl -w 'net.ipv4.tcp_rmem=4096 87380 6291456'\n\
         expect contains \"net.ipv4.tcp_rmem = 4096 87380 6291456\"\n\
         a: cat /proc/sys/net/ipv4/tcp_rmem\n\
         expect contains \"4096\t87380\t6291456\"\n"
    );
    if let Err(e) = common::run_lab_text("sysctl.lab", &lab) {
        panic!("{e}");
    }
}
