using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using FineTuneStudio.Core.Accounts;
using Microsoft.EntityFrameworkCore;
using FineTuneStudio.Web.Tests.Support;

namespace FineTuneStudio.Web.Tests.Evaluation;

[Collection(StudioAppCollection.Name)]
public sealed class EvaluationApiTests(StudioAppFactory app)
{
    private static MultipartFormDataContent File(string fileName, string text, params (string Name, string Value)[] fields)
    {
        var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(Encoding.UTF8.GetBytes(text));
        file.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
        form.Add(file, "file", fileName);
        foreach (var (name, value) in fields)
        {
            form.Add(new StringContent(value), name);
        }

        return form;
    }

    [Fact]
    public async Task Dashboard_ForProductOwner_ScoresTheDemoBaseline()
    {
        var demo = await app.DemoEvaluationAsync();
        var (owner, _, _) = await app.TokenClientAsync(StudioRoles.ProductOwner);
        using var _ = owner;

        var response = await owner.GetAsync($"api/projects/{demo.ProjectId}/evaluation");

        await response.ShouldHaveStatusAsync(HttpStatusCode.OK);
        var run = await owner.GetFromJsonAsync<JsonElement>($"api/eval-runs/{demo.BaselineRunId}");
        var metrics = run.GetProperty("summary").GetProperty("metrics");
        // The demo baseline is right on 28 of 40, three of them not in the exact label form: 25/40 exact.
        metrics.GetProperty("accuracy").GetDouble().ShouldBe(0.7);
        metrics.GetProperty("normalised").GetDouble().ShouldBe(0.7);
        metrics.GetProperty("exact").GetDouble().ShouldBe(0.625);
    }

    [Fact]
    public async Task MlLead_ImportsRegistrySamplesAndTheOaievalRecordOverTheApi_AndReadsEveryAcceptedAnswer()
    {
        var (projectId, _) = await app.CreateImportTargetAsync();
        var (lead, _, _) = await app.TokenClientAsync(StudioRoles.MlLead);
        using var _ = lead;
        var created = await lead.PostAsJsonAsync($"api/projects/{projectId}/eval-sets", new { name = "Capitals", metrics = new[] { "exact" } });
        await created.ShouldHaveStatusAsync(HttpStatusCode.Created);
        var setId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt32();

        var items = await lead.PostAsync($"api/eval-sets/{setId}/items", File("samples.jsonl", """
            {"input": "Capital of Italy?", "ideal": ["Rome", "Roma"]}
            {"input": "Capital of Spain?", "ideal": "Madrid"}
            """));
        await items.ShouldHaveStatusAsync(HttpStatusCode.OK);
        var listed = await lead.GetFromJsonAsync<JsonElement>($"api/eval-sets/{setId}/items");
        listed[0].GetProperty("alsoAccepted").EnumerateArray().Select(a => a.GetString()).ShouldBe(["Roma"]);

        var run = await lead.PostAsync($"api/eval-sets/{setId}/runs", File("record.jsonl", """
            {"spec": {"run_id": "r1", "eval_name": "capitals.dev.v0"}}
            {"run_id": "r1", "event_id": 0, "sample_id": "capitals.dev.1", "type": "sampling", "data": {"prompt": "Capital of Spain?", "sampled": ["Madrid"]}}
            {"run_id": "r1", "event_id": 1, "sample_id": "capitals.dev.0", "type": "sampling", "data": {"prompt": "Capital of Italy?", "sampled": ["Roma"]}}
            {"final_report": {"accuracy": 1.0}}
            """, ("name", "oaieval")));
        await run.ShouldHaveStatusAsync(HttpStatusCode.Created);
        (await run.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("summary").GetProperty("metrics").GetProperty("exact").GetDouble().ShouldBe(1);
    }

    [Fact]
    public async Task MlLead_ImportsItemsWithABadLine_IsToldWhatLeavingItOutWouldDo_AndDoesSoWithInvalidSkip()
    {
        var (lead, setId) = await UrgencySetAsync();
        using var _ = lead;
        const string items = "{\"id\": \"c\", \"expected\": \"normal\", \"input\": \"Invoices?\"}\n{\"id\": \"d\", \"expected\": \"high\", \"input\": \"Payments fail\", \"schema\": \"[1]\"}\n{\"id\": \"a\", \"expected\": \"high\", \"input\": \"Server down\"}\n";

        var refused = await lead.PostAsync($"api/eval-sets/{setId}/items", File("more.jsonl", items));

        await refused.ShouldHaveStatusAsync(HttpStatusCode.BadRequest);
        using (var problem = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()))
        {
            (problem.RootElement.GetProperty("records_with_problems").GetInt32(), problem.RootElement.GetProperty("records_without_problems").GetInt32()).ShouldBe((2, 1));
            problem.RootElement.GetProperty("hint").GetString()!.ShouldStartWith("2 lines have problems and 1 has none; send invalid=skip");
        }

        var skipped = await lead.PostAsync($"api/eval-sets/{setId}/items", File("more.jsonl", items, ("invalid", "skip")));

        await skipped.ShouldHaveStatusAsync(HttpStatusCode.OK);
        var result = await skipped.Content.ReadFromJsonAsync<JsonElement>();
        result.GetProperty("imported").GetInt32().ShouldBe(1);
        result.GetProperty("leftOutLines").EnumerateArray().Select(l => l.GetInt32()).ShouldBe([2, 3]);
        result.GetProperty("leftOut").EnumerateArray().Select(e => e.GetProperty("field").GetString()).ShouldBe(["schema", "id"]);
        var listed = await lead.GetFromJsonAsync<JsonElement>($"api/eval-sets/{setId}/items");
        listed.EnumerateArray().Select(i => i.GetProperty("externalId").GetString()).ShouldBe(["a", "b", "c"]);
        (await lead.PostAsync($"api/eval-sets/{setId}/items", File("more.jsonl", items, ("invalid", "sometimes")))).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    /// <summary>An ML lead's client and a new project's eval set "Urgency" (exact) of two items: a "Server down" → high, b "Typo" → low.</summary>
    private async Task<(HttpClient Lead, int SetId)> UrgencySetAsync()
    {
        var (projectId, _) = await app.CreateImportTargetAsync();
        var (lead, _, _) = await app.TokenClientAsync(StudioRoles.MlLead);
        var created = await lead.PostAsJsonAsync($"api/projects/{projectId}/eval-sets", new { name = "Urgency", metrics = new[] { "exact" } });
        var setId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt32();
        await (await lead.PostAsync($"api/eval-sets/{setId}/items", File("items.jsonl", """
            {"id": "a", "expected": "high", "input": "Server down"}
            {"id": "b", "expected": "low", "input": "Typo"}
            """))).ShouldHaveStatusAsync(HttpStatusCode.OK);
        return (lead, setId);
    }

    [Fact]
    public async Task MlLead_ExportsTheSetAsBedrockRecords_AndPostsTheJobsOutputBackAsARun()
    {
        var (lead, setId) = await UrgencySetAsync();
        using var _ = lead;

        var export = await lead.GetAsync($"api/eval-sets/{setId}/export?format=bedrock-claude&maxTokens=32");
        await export.ShouldHaveStatusAsync(HttpStatusCode.OK);
        export.Content.Headers.ContentDisposition!.FileNameStar.ShouldBe($"eval-set-{setId}-bedrock-claude-batch-input.jsonl");
        var records = (await export.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        records.Select(r => r.GetProperty("modelInput").GetProperty("max_tokens").GetInt32()).ShouldBe([32, 32]);
        // Bedrock answers "high" to both: right on a only.
        var output = string.Join('\n', records.Select(r => JsonSerializer.Serialize(new
        {
            recordId = r.GetProperty("recordId").GetString(),
            modelInput = r.GetProperty("modelInput"),
            modelOutput = new { type = "message", role = "assistant", content = new[] { new { type = "text", text = "high" } } },
        })));

        var run = await lead.PostAsync($"api/eval-sets/{setId}/runs", File("records.jsonl.out", output, ("name", "haiku")));

        await run.ShouldHaveStatusAsync(HttpStatusCode.Created);
        (await run.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("summary").GetProperty("metrics").GetProperty("exact").GetDouble().ShouldBe(0.5);
        await (await lead.GetAsync($"api/eval-sets/{setId}/export?format=bedrock-nova&maxTokens=0")).ShouldHaveStatusAsync(HttpStatusCode.BadRequest);

        // The job's request body, pointing at the records just downloaded.
        var job = await lead.GetAsync($"api/eval-sets/{setId}/bedrock-job?format=bedrock-claude");
        await job.ShouldHaveStatusAsync(HttpStatusCode.OK);
        job.Content.Headers.ContentDisposition!.FileNameStar.ShouldBe($"eval-set-{setId}-bedrock-claude-batch-job.json");
        var body = (await job.Content.ReadFromJsonAsync<JsonElement>());
        body.GetProperty("modelId").GetString().ShouldBe("anthropic.claude-3-haiku-20240307-v1:0");
        body.GetProperty("inputDataConfig").GetProperty("s3InputDataConfig").GetProperty("s3Uri").GetString().ShouldEndWith($"/input/eval-set-{setId}-bedrock-claude-batch-input.jsonl");
        await (await lead.GetAsync($"api/eval-sets/{setId}/bedrock-job?format=batch")).ShouldHaveStatusAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task MlLead_ExportsTheSetForVertexBatchPrediction_AndPostsItsPredictionsBackAsARun()
    {
        var (lead, setId) = await UrgencySetAsync();
        using var _ = lead;

        var export = await lead.GetAsync($"api/eval-sets/{setId}/export?format=vertex-gemini&maxTokens=8");
        await export.ShouldHaveStatusAsync(HttpStatusCode.OK);
        export.Content.Headers.ContentDisposition!.FileNameStar.ShouldBe($"eval-set-{setId}-vertex-gemini-batch-input.jsonl");
        var requests = (await export.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        requests.Select(r => r.GetProperty("request").GetProperty("generationConfig").GetProperty("maxOutputTokens").GetInt32()).ShouldBe([8, 8]);
        // Vertex answers "high" to both, echoing each request, in reverse order: right on a only.
        var predictions = string.Join('\n', requests.AsEnumerable().Reverse().Select(r => JsonSerializer.Serialize(new
        {
            status = "",
            request = r.GetProperty("request"),
            response = new { candidates = new[] { new { content = new { role = "model", parts = new[] { new { text = "high" } } }, finishReason = "STOP" } } },
        })));

        var run = await lead.PostAsync($"api/eval-sets/{setId}/runs", File("predictions.jsonl", predictions, ("name", "gemini flash")));

        await run.ShouldHaveStatusAsync(HttpStatusCode.Created);
        (await run.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("summary").GetProperty("metrics").GetProperty("exact").GetDouble().ShouldBe(0.5);
        await (await lead.GetAsync($"api/eval-sets/{setId}/bedrock-job?format=vertex-gemini")).ShouldHaveStatusAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task MlLead_ImportsGsm8kQuestionsAndLmEvalSamplesOverTheApi_ScoredByFinalNumber()
    {
        var (projectId, _) = await app.CreateImportTargetAsync();
        var (lead, _, _) = await app.TokenClientAsync(StudioRoles.MlLead);
        using var _ = lead;
        var created = await lead.PostAsJsonAsync($"api/projects/{projectId}/eval-sets", new { name = "GSM8K", metrics = new[] { "final-number" } });
        await created.ShouldHaveStatusAsync(HttpStatusCode.Created);
        var setId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt32();
        var items = await lead.PostAsync($"api/eval-sets/{setId}/items", File("test.jsonl", """
            {"question": "2 + 2?", "answer": "2 + 2 = <<2+2=4>>4\n#### 4"}
            {"question": "3 * 3?", "answer": "3 * 3 = <<3*3=9>>9\n#### 9"}
            """));
        await items.ShouldHaveStatusAsync(HttpStatusCode.OK);

        var run = await lead.PostAsync($"api/eval-sets/{setId}/runs", File("samples_gsm8k.jsonl", """
            {"doc_id": 1, "doc": {"question": "3 * 3?"}, "resps": [["Nine, so 9."]], "filtered_resps": ["9"], "filter": "strict-match"}
            {"doc_id": 0, "doc": {"question": "2 + 2?"}, "resps": [["It is 5."]], "filtered_resps": ["5"], "filter": "strict-match"}
            """, ("name", "lm-eval")));

        await run.ShouldHaveStatusAsync(HttpStatusCode.Created);
        (await run.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("summary").GetProperty("metrics").GetProperty("final-number").GetDouble().ShouldBe(0.5);
    }

    [Fact]
    public async Task Writes_NeedTheEvaluatePolicy_AndLabelersSeeNothing()
    {
        var demo = await app.DemoEvaluationAsync();
        var (owner, _, _) = await app.TokenClientAsync(StudioRoles.ProductOwner);
        var (labeler, _, _) = await app.TokenClientAsync(StudioRoles.Labeler);
        using var _ = owner;
        using var __ = labeler;

        await owner.PostAsJsonAsync($"api/projects/{demo.ProjectId}/eval-sets", new { name = "x", metrics = new[] { "exact" } }).ShouldHaveStatusAsync(HttpStatusCode.Forbidden);
        await owner.PostAsync($"api/eval-sets/{demo.SetId}/runs", File("o.csv", "id,output\n", ("name", "x"))).ShouldHaveStatusAsync(HttpStatusCode.Forbidden);
        await labeler.GetAsync($"api/projects/{demo.ProjectId}/evaluation").ShouldHaveStatusAsync(HttpStatusCode.Forbidden);
        await labeler.GetAsync($"api/eval-runs/{demo.BaselineRunId}/results").ShouldHaveStatusAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task MlLead_ImportsARunComparesAndJudgesBlind()
    {
        var demo = await app.DemoEvaluationAsync();
        var (lead, _, _) = await app.TokenClientAsync(StudioRoles.MlLead);
        using var _ = lead;

        var bad = await lead.PostAsync($"api/eval-sets/{demo.SetId}/runs", File("o.jsonl", "{\"id\":\"t-001\",\"output\":\"high\"}\n{broken\n", ("name", "Broken")));
        await bad.ShouldHaveStatusAsync(HttpStatusCode.BadRequest);
        (await bad.Content.ReadAsStringAsync()).ShouldContain("line 2");

        var created = await lead.PostAsync($"api/eval-sets/{demo.SetId}/runs", File("candidate.csv", await app.CandidateOutputsCsvAsync(), ("name", $"Tuned {Guid.NewGuid():N}"), ("model", "tuned")));
        await created.ShouldHaveStatusAsync(HttpStatusCode.Created);
        var run = await created.Content.ReadFromJsonAsync<JsonElement>();
        var runId = run.GetProperty("id").GetInt32();
        run.GetProperty("summary").GetProperty("metrics").GetProperty("accuracy").GetDouble().ShouldBe(0.85); // 34/40

        var compared = await (await lead.GetAsync($"api/eval-runs/compare?baseline={demo.BaselineRunId}&candidate={runId}")).ShouldSucceedWithAsync<JsonElement>();
        var regressions = compared.GetProperty("regressions").GetInt32();
        var fixes = compared.GetProperty("fixes").GetInt32();
        // Right 28 → 34: fixes − regressions = 6.
        (fixes - regressions).ShouldBe(6);

        var comparison = await (await lead.PostAsJsonAsync("api/comparisons", new { runAId = demo.BaselineRunId, runBId = runId })).Content.ReadFromJsonAsync<JsonElement>();
        var comparisonId = comparison.GetProperty("id").GetInt32();
        var next = await lead.GetAsync($"api/comparisons/{comparisonId}/next");
        var pairJson = await next.Content.ReadAsStringAsync();
        pairJson.ShouldNotContain("tuned");
        pairJson.ShouldNotContain("Prompted baseline");
        var pair = JsonDocument.Parse(pairJson).RootElement;
        await lead.PostAsJsonAsync($"api/comparisons/{comparisonId}/judgements", new { itemId = pair.GetProperty("itemId").GetInt32(), pick = "Tie", reason = "same" })
            .ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        var results = await lead.GetFromJsonAsync<JsonElement>($"api/comparisons/{comparisonId}/results");
        results.GetProperty("ties").GetInt32().ShouldBe(1);
    }

    [Fact]
    public async Task ResultsAndComparisons_ComeAPageAtATime_WithTheTotal()
    {
        var demo = await app.DemoEvaluationAsync();
        var (lead, _, _) = await app.TokenClientAsync(StudioRoles.MlLead);
        using var _ = lead;
        var itemIds = await app.QueryAsync(db => db.EvalItems.Where(i => i.EvalSetId == demo.SetId).OrderBy(i => i.Id).Select(i => i.Id).ToListAsync());

        var page = await lead.GetFromJsonAsync<JsonElement>($"api/eval-runs/{demo.BaselineRunId}/results?skip=10&take=5");

        (page.GetProperty("total").GetInt32(), page.GetProperty("skip").GetInt32(), page.GetProperty("take").GetInt32()).ShouldBe((40, 10, 5));
        page.GetProperty("items").EnumerateArray().Select(r => r.GetProperty("itemId").GetInt32()).ShouldBe(itemIds.Skip(10).Take(5));
        var all = await lead.GetFromJsonAsync<JsonElement>($"api/eval-runs/{demo.BaselineRunId}/results");
        (all.GetProperty("take").GetInt32(), all.GetProperty("items").GetArrayLength()).ShouldBe((100, 40));
        (await lead.GetFromJsonAsync<JsonElement>($"api/eval-runs/{demo.BaselineRunId}/results?take=5000")).GetProperty("take").GetInt32().ShouldBe(1000);

        // Three comparisons in a project of their own, newest first.
        var (projectId, setId) = await app.CreateGenerationSetAsync(items: 2);
        var a = await app.ImportRunAsync(setId, "A", "id,output\nt1,high\nt2,low\n", "a.csv");
        var b = await app.ImportRunAsync(setId, "B", "id,output\nt1,high\nt2,high\n", "b.csv");
        var created = new List<int>();
        for (var i = 0; i < 3; i++)
        {
            created.Add(await app.CreateComparisonAsync(a, b));
        }

        var comparisons = await lead.GetFromJsonAsync<JsonElement>($"api/projects/{projectId}/comparisons?skip=1&take=1");

        (comparisons.GetProperty("total").GetInt32(), comparisons.GetProperty("take").GetInt32()).ShouldBe((3, 1));
        comparisons.GetProperty("items").EnumerateArray().Select(c => c.GetProperty("id").GetInt32()).ShouldBe([created[1]]);
    }

    [Fact]
    public async Task TrainingImport_BadCell_IsNamedAndGoodFileIsFlagged()
    {
        var demo = await app.DemoEvaluationAsync();
        var (lead, _, _) = await app.TokenClientAsync(StudioRoles.MlLead);
        using var _ = lead;

        var bad = await lead.PostAsync($"api/projects/{demo.ProjectId}/training-metrics", File("r.csv", "step,train_loss,valid_loss\n1,0.9,x\n"));
        await bad.ShouldHaveStatusAsync(HttpStatusCode.BadRequest);
        (await bad.Content.ReadAsStringAsync()).ShouldContain("line 2: valid_loss");

        const string csv = "step,train_loss,valid_loss\n10,0.9,1.0\n20,0.7,1.1\n30,0.5,1.2\n40,0.3,1.3\n";
        var created = await lead.PostAsync($"api/projects/{demo.ProjectId}/training-metrics", File("results.csv", csv, ("name", "Tuned v1 results")));
        await created.ShouldHaveStatusAsync(HttpStatusCode.Created);
        var curve = await lead.GetFromJsonAsync<JsonElement>(created.Headers.Location!.ToString().TrimStart('/'));
        curve.GetProperty("verdict").GetProperty("status").GetString().ShouldBe("Overfitting");
    }

    [Fact]
    public async Task TrainingImport_BedrocksTwoMetricsFiles_InTwoParts_AreOneCurve()
    {
        var demo = await app.DemoEvaluationAsync();
        var (lead, _, _) = await app.TokenClientAsync(StudioRoles.MlLead);
        using var _ = lead;
        using var form = File("step_wise_training_metrics.csv", "step_number,epoch_number,training_loss,perplexity\n0,1,2.0,7.39\n1,1,1.8,6.05\n2,2,1.6,4.95\n3,2,1.4,4.06\n", ("name", "Bedrock haiku"));
        var validation = new ByteArrayContent(Encoding.UTF8.GetBytes("step_number,epoch_number,validation_loss,perplexity\n1,1,1.9,6.69\n3,2,1.7,5.47\n"));
        form.Add(validation, "validation", "validation_metrics.csv");

        var created = await lead.PostAsync($"api/projects/{demo.ProjectId}/training-metrics", form);

        await created.ShouldHaveStatusAsync(HttpStatusCode.Created);
        (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("format").GetString().ShouldBe("bedrock-metrics");
        var curve = await lead.GetFromJsonAsync<JsonElement>(created.Headers.Location!.ToString().TrimStart('/'));
        curve.GetProperty("points").EnumerateArray().Select(p => (p.GetProperty("step").GetInt32(), p.GetProperty("validLoss").ValueKind == JsonValueKind.Number))
            .ShouldBe([(0, false), (1, true), (2, false), (3, true)]);
        curve.GetProperty("verdict").GetProperty("bestValidStep").GetInt32().ShouldBe(3);
    }
}
