//! `spotsync plan --all`: every account's plan with the household's quota, when each is done
//! while they share it, and the total.

use crate::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_all_shows_each_account_and_the_total() {
    let sim = start_household_sim(&[300, 1_200, 60], |_| {}).await;
    let env = Env::new(
        &sim,
        "[sync]\nmax_calls_per_day = 600\n\n[accounts.c]\nshare = 2\n",
    );
    for (name, user) in [("default", 0), ("b", 1), ("c", 2)] {
        env.connect(name, user).await;
    }
    let out = env.run(&["plan", "--all", "--json"]).await;
    assert_eq!(out.code, 0, "{out:?}");
    let v = out.json();
    let accounts = v["accounts"].as_array().unwrap();
    let names: Vec<&str> = accounts
        .iter()
        .map(|a| a["account"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["default", "b", "c"]);
    assert_eq!(accounts[2]["share"], 2);
    let mut sum = 0;
    for a in accounts {
        let quota = &a["plan"]["quota"];
        assert_eq!(quota["daily"], 600, "{a:#}");
        assert_eq!(quota["household"]["accounts"], 3, "{a:#}");
        assert!(
            a["plan"]["total"]["bulk_requests"].as_u64().unwrap() > 0,
            "{a:#}"
        );
        sum += a["plan"]["total"]["requests"].as_u64().unwrap();
        // Each has a mirror to make: the daemon resumes it at every sync, and polls follow
        // the listening, at most an hour apart.
        assert_eq!(a["daemon"]["sync_every_secs"], 1_800, "{a:#}");
        assert_eq!(a["daemon"]["poll_every_secs"], 600, "{a:#}");
        assert_eq!(a["daemon"]["poll_every_max_secs"], 3_600, "{a:#}");
    }
    assert_eq!(v["total"]["requests"].as_u64().unwrap(), sum);
    // The largest library is done last, and that is when the household is done.
    let eta = |i: usize| accounts[i]["eta_secs"].as_u64().unwrap();
    assert!(eta(2) < eta(0) && eta(0) < eta(1), "{v:#}");
    assert_eq!(v["total"]["eta_secs"].as_u64().unwrap(), eta(1));
    // The reserve covers three accounts' polls.
    let reserve = accounts[0]["plan"]["quota"]["history_reserve"]
        .as_u64()
        .unwrap();
    assert_eq!(reserve, 100, "half of a capped reserve of 200");

    let text = env.run(&["plan", "--all", "--no-probe"]).await;
    assert!(
        text.stdout
            .contains("Plan of the household: 3 accounts share the app's daily quota")
            && text.stdout.contains("share 2")
            && text.stdout.contains("total: ")
            && text
                .stdout
                .contains("the daemon checks its lists every 30m00s")
            && text.stdout.contains(
                "while bulk work waits, polls follow the listening: every 10m00s to 1h00m"
            ),
        "{text:?}"
    );
}
