//! Agents, test suites and test cases through the client: the seeded catalogue, create / get /
//! update / delete round trips (docs/revring-api.md §3.2–3.3, §3.8, §9.10–11, §9.19) and generate-tests
//! (§3.4, §9.17).

use ringside::revring::{
    ChatMessage, ErrorKind, GenerateTestsRequest, NewSuite, NewTestCase, SuitePatch, TestCasePatch,
    Variables,
};

use super::{RUBRIC, SCRIPT, case, env};

fn vars(pairs: &[(&str, &str)]) -> Variables {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[tokio::test]
async fn seeded_agents_suites_and_tests_decode() {
    let e = env().await;
    e.client.verify_key().await.expect("the key is accepted");
    let agents = e.client.list_agents().await.expect("agents");
    assert_eq!(agents.len(), 5, "{agents:?}");
    for agent in &agents {
        assert!(!agent.id.is_empty() && !agent.name.is_empty(), "{agent:?}");
        assert!(agent.is_active());
        assert!(agent.created_at.is_some());
        assert!(agent.phone_numbers.iter().all(|p| p.e164.starts_with("+1")));
    }

    let suites = e.client.list_suites().await.expect("suites");
    assert_eq!(suites.len(), 4);
    for suite in &suites {
        assert!(agents.iter().any(|a| a.id == suite.target_agent_id));
        assert!((2..=100).contains(&suite.max_concurrency.expect("maxConcurrency")));
        assert!(suite.created_at.is_some() && suite.updated_at.is_some());
        let fetched = e.client.get_suite(&suite.id).await.expect("suite");
        assert_eq!(fetched.id, suite.id);
        assert_eq!(fetched.name, suite.name);
        assert_eq!(fetched.default_variables, suite.default_variables);
        let tests = e.client.list_tests(&suite.id).await.expect("tests");
        assert!(!tests.is_empty(), "{}", suite.name);
        for test in &tests {
            assert_eq!(test.test_suite_id, suite.id);
            assert!(!test.script.is_empty() && !test.scoring_rubric.is_empty());
            assert!((1..=10).contains(&test.attempts()));
        }
    }
    assert!(
        suites.iter().any(|s| s.tester_agent_id.is_some()),
        "one seeded suite uses the custom tester"
    );
    e.sim.shutdown().await;
}

#[tokio::test]
async fn suite_create_get_update_delete_round_trip() {
    let e = env().await;
    let agents = e.agents().await;
    let (target, tester) = (&agents[0], agents.last().expect("tester"));

    let plain = e
        .client
        .create_suite(&NewSuite {
            name: "Defaults".into(),
            target_agent_id: target.clone(),
            ..NewSuite::default()
        })
        .await
        .expect("created");
    assert_eq!(plain.max_concurrency, Some(2), "the documented default");
    assert_eq!(plain.tester_agent_id, None, "the system tester");

    let created = e
        .client
        .create_suite(&NewSuite {
            name: "Front desk regression".into(),
            target_agent_id: target.clone(),
            tester_agent_id: Some(tester.clone()),
            max_concurrency: Some(6),
            default_variables: vars(&[("clinic_name", "Bright Smile"), ("city", "Austin")]),
        })
        .await
        .expect("created");
    assert!(!created.id.is_empty());
    assert_eq!(created.name, "Front desk regression");
    assert_eq!(&created.target_agent_id, target);
    assert_eq!(created.tester_agent_id.as_ref(), Some(tester));
    assert_eq!(created.max_concurrency, Some(6));
    assert_eq!(created.default_variables["city"], "Austin");
    assert_eq!(e.client.get_suite(&created.id).await.expect("get"), created);
    let listed = e.client.list_suites().await.expect("list");
    assert!(listed.iter().any(|s| s.id == created.id));

    let updated = e
        .client
        .update_suite(
            &created.id,
            &SuitePatch {
                name: Some("Renamed".into()),
                tester_agent_id: Some(None),
                max_concurrency: Some(8),
                default_variables: Some(vars(&[("city", "Dallas")])),
                ..SuitePatch::default()
            },
        )
        .await
        .expect("updated");
    assert_eq!(updated.id, created.id);
    assert_eq!(updated.name, "Renamed");
    assert_eq!(
        updated.tester_agent_id, None,
        "null switches to the system tester"
    );
    assert_eq!(updated.max_concurrency, Some(8));
    assert_eq!(updated.default_variables, vars(&[("city", "Dallas")]));
    assert_eq!(&updated.target_agent_id, target, "untouched fields stay");
    assert!(updated.updated_at >= created.updated_at);
    assert_eq!(e.client.get_suite(&created.id).await.expect("get"), updated);

    e.client.delete_suite(&created.id).await.expect("deleted");
    let gone = e.client.get_suite(&created.id).await.unwrap_err();
    assert_eq!(gone.kind(), ErrorKind::NotFound, "{gone:?}");
    let again = e.client.delete_suite(&created.id).await.unwrap_err();
    assert_eq!(again.kind(), ErrorKind::NotFound);
    let listed = e.client.list_suites().await.expect("list");
    assert!(listed.iter().all(|s| s.id != created.id));
    assert!(listed.iter().any(|s| s.id == plain.id));
    e.sim.shutdown().await;
}

#[tokio::test]
async fn test_case_create_update_delete_round_trip() {
    let e = env().await;
    let suite = e.suite_with(2, &[]).await;
    let first = e
        .client
        .create_test(
            &suite.id,
            &NewTestCase {
                name: "Books a cleaning".into(),
                script: SCRIPT.into(),
                scoring_rubric: RUBRIC.into(),
                attempts_per_run: None,
                variables: vars(&[("patient", "Dana")]),
            },
        )
        .await
        .expect("created");
    assert_eq!(first.test_suite_id, suite.id);
    assert_eq!(first.attempts_per_run, Some(1), "defaults to 1");
    assert_eq!(first.variables["patient"], "Dana");
    assert_eq!(first.script, SCRIPT);
    assert_eq!(first.scoring_rubric, RUBRIC);
    let second = e
        .client
        .create_test(&suite.id, &case("Moves an appointment", 3))
        .await
        .expect("created");
    assert_eq!(second.attempts(), 3);
    let listed = e.client.list_tests(&suite.id).await.expect("list");
    let mut ids: Vec<&str> = listed.iter().map(|t| t.id.as_str()).collect();
    ids.sort_unstable();
    let mut want = vec![first.id.as_str(), second.id.as_str()];
    want.sort_unstable();
    assert_eq!(ids, want);

    let updated = e
        .client
        .update_test(
            &suite.id,
            &second.id,
            &TestCasePatch {
                script: Some("Ask to move Tuesday's appointment to Thursday.".into()),
                attempts_per_run: Some(5),
                variables: Some(vars(&[("day", "Thursday")])),
                ..TestCasePatch::default()
            },
        )
        .await
        .expect("updated");
    assert_eq!(updated.id, second.id);
    assert_eq!(updated.name, "Moves an appointment", "untouched");
    assert_eq!(
        updated.script,
        "Ask to move Tuesday's appointment to Thursday."
    );
    assert_eq!(updated.attempts(), 5);
    assert_eq!(updated.variables, vars(&[("day", "Thursday")]));
    let listed = e.client.list_tests(&suite.id).await.expect("list");
    assert!(listed.contains(&updated), "{listed:?}");

    e.client
        .delete_test(&suite.id, &first.id)
        .await
        .expect("deleted");
    let listed = e.client.list_tests(&suite.id).await.expect("list");
    assert_eq!(listed, vec![updated]);
    let patch = TestCasePatch {
        name: Some("x".into()),
        ..TestCasePatch::default()
    };
    let gone = e
        .client
        .update_test(&suite.id, &first.id, &patch)
        .await
        .unwrap_err();
    assert_eq!(gone.kind(), ErrorKind::NotFound);
    let gone = e
        .client
        .delete_test(&suite.id, &first.id)
        .await
        .unwrap_err();
    assert_eq!(gone.kind(), ErrorKind::NotFound);

    e.client.delete_suite(&suite.id).await.expect("deleted");
    let cascaded = e.client.list_tests(&suite.id).await.unwrap_err();
    assert_eq!(cascaded.kind(), ErrorKind::NotFound, "deleting cascades");
    e.sim.shutdown().await;
}

#[tokio::test]
async fn generate_tests_suggests_without_saving() {
    let e = env().await;
    let suite = e.suite_with(2, &[("Existing", 1)]).await;
    let request = GenerateTestsRequest {
        prompt: "Callers who want to cancel a reservation".into(),
        previous_messages: vec![],
    };
    let generated = e
        .client
        .generate_tests(&suite.id, &request)
        .await
        .expect("generated");
    assert!((2..=4).contains(&generated.tests.len()), "{generated:?}");
    for t in &generated.tests {
        assert!(!t.name.is_empty() && !t.script.is_empty() && !t.scoring_rubric.is_empty());
    }
    let roles: Vec<&str> = generated.messages.iter().map(|m| m.role.as_str()).collect();
    assert_eq!(roles, ["user", "assistant"]);
    assert_eq!(generated.messages[0].content, request.prompt);
    assert_eq!(
        e.client.list_tests(&suite.id).await.expect("list").len(),
        1,
        "suggestions are not saved"
    );

    let refine = GenerateTestsRequest {
        prompt: "Make them angrier".into(),
        previous_messages: generated.messages.clone(),
    };
    let refined = e
        .client
        .generate_tests(&suite.id, &refine)
        .await
        .expect("refined");
    assert_eq!(refined.messages.len(), 4, "history plus the new turn");
    assert_eq!(refined.messages[..2], generated.messages[..]);
    assert_eq!(
        refined.messages[2],
        ChatMessage {
            role: "user".into(),
            content: "Make them angrier".into()
        }
    );

    let suggestion = generated.tests[0].clone();
    let saved = e
        .client
        .create_test(&suite.id, &NewTestCase::from(suggestion.clone()))
        .await
        .expect("a suggestion saves as a test case");
    assert_eq!(saved.name, suggestion.name);
    assert_eq!(e.client.list_tests(&suite.id).await.expect("list").len(), 2);

    let missing = e
        .client
        .generate_tests("00000000-0000-4000-8000-000000000000", &request)
        .await
        .unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::NotFound);
    e.sim.shutdown().await;
}
