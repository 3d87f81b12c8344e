using System.Net;
using System.Security.Claims;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Pipelines.Diagnostics;
using static Pipelines.Dashboard.Tests.DashboardHost;

namespace Pipelines.Dashboard.Tests;

/// <summary>The dashboard's page, assets and JSON API on ASP.NET Core's TestServer, over real pipeline runs.</summary>
public class DashboardApiTests
{
    private static readonly DateTimeOffset T0 = new(2026, 4, 1, 0, 0, 0, TimeSpan.Zero);

    private sealed record Reading(string Key, DateTimeOffset Time);

    private static Pipeline Keyed(string name, ChannelReader<Reading> input)
    {
        var p = new PipelineBuilder(name);
        p.From(Sources.Channel(input, "readings"))
            .WithEventTime(r => r.Time, Watermarks.BoundedOutOfOrderness(TimeSpan.FromSeconds(1)))
            .KeyBy(r => r.Key).Window(Windows.Tumbling(TimeSpan.FromMinutes(1))).Count()
            .To(Sinks.Action<WindowResult<string, long>>(_ => { }, "counts"));
        return p.Build();
    }

    private static async Task WriteAsync(ChannelWriter<Reading> writer, int from, int to)
    {
        for (int i = from; i < to; i++) await writer.WriteAsync(new Reading($"k{i % 4}", T0.AddSeconds(i)));
    }

    [Fact]
    public async Task Page_IsServed_WithItsBaseAddress_AndEmbeddedAssets()
    {
        await using var app = await StartAsync();
        var client = app.GetTestClient();

        foreach (string path in new[] { "/pipelines", "/pipelines/" })
        {
            using var page = await client.GetAsync(path);
            page.StatusCode.Should().Be(HttpStatusCode.OK);
            page.Content.Headers.ContentType!.MediaType.Should().Be("text/html");
            string html = await page.Content.ReadAsStringAsync();
            html.Should().Contain("<base href=\"/pipelines/\">", "relative links must work with or without the trailing slash")
                .And.Contain("assets/dashboard.js").And.NotContain("http://").And.NotContain("https://", "nothing is loaded from the internet");
        }

        using var script = await client.GetAsync("/pipelines/assets/dashboard.js");
        script.StatusCode.Should().Be(HttpStatusCode.OK);
        script.Content.Headers.ContentType!.MediaType.Should().Be("text/javascript");
        (await script.Content.ReadAsStringAsync()).Should().Contain("api/runs");
        using var css = await client.GetAsync("/pipelines/assets/dashboard.css");
        css.Content.Headers.ContentType!.MediaType.Should().Be("text/css");
        (await client.GetAsync("/pipelines/assets/secrets.json")).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Api_ListsARunStartedByHand_WithItsGraph_AndCountersThatRise_ThenItsEnd()
    {
        await using var app = await StartAsync();
        var client = app.GetTestClient();
        string name = UniqueName("api-live");
        var input = Channel.CreateUnbounded<Reading>();
        var pipelineRun = new StreamingExecutor(new StreamingOptions { Parallelism = 2 }).Start(Keyed(name, input.Reader));
        var run = await RunNamedAsync(name);

        await WriteAsync(input.Writer, 0, 20);
        await UntilAsync(run.Snapshot, s => s.Totals.ElementsRead == 20 && s.Nodes[2].ElementsIn == 20, "20 elements in the window stage");
        var runs = await GetJsonAsync(client, "/pipelines/api/runs");
        var listed = runs.EnumerateArray().Single(r => r.GetProperty("pipeline").GetString() == name);
        listed.GetProperty("id").GetInt64().Should().Be(run.Id);
        listed.GetProperty("state").GetString().Should().Be("running");
        listed.GetProperty("executor").GetString().Should().Be("streaming");
        listed.GetProperty("elementsRead").GetInt64().Should().Be(20);

        var detail = await GetJsonAsync(client, $"/pipelines/api/runs/{run.Id}");
        var nodes = detail.GetProperty("nodes").EnumerateArray().ToList();
        nodes.Select(n => (n.GetProperty("name").GetString(), n.GetProperty("kind").GetString(), n.GetProperty("parallelism").GetInt32())).Should().Equal(
            ("Source#1", "source", 1), ("WithEventTime#2", "operator", 1), ("Window#3", "operator", 2), ("Sink#5", "sink", 1));
        nodes[0].GetProperty("detail").GetString().Should().Be("readings");
        nodes[2].GetProperty("elementsIn").GetInt64().Should().Be(20);
        nodes[2].GetProperty("queueCapacity").GetInt32().Should().Be(2 * new StreamingOptions().ChannelCapacity);
        nodes[1].GetProperty("watermarkLagMs").GetDouble().Should().BePositive();
        var edges = detail.GetProperty("edges").EnumerateArray().ToList();
        edges.Should().HaveCount(3);
        edges.Single(e => e.GetProperty("to").GetString() == nodes[2].GetProperty("id").GetString()).GetProperty("byKey").GetBoolean().Should().BeTrue();
        edges.Single(e => e.GetProperty("to").GetString() == nodes[3].GetProperty("id").GetString()).GetProperty("queued").ValueKind.Should().Be(JsonValueKind.Number);
        detail.GetProperty("checkpoints").GetProperty("completed").GetInt64().Should().Be(0);

        await WriteAsync(input.Writer, 20, 50);
        await UntilAsync(run.Snapshot, s => s.Nodes[2].ElementsIn == 50, "50 elements in the window stage");
        var later = await GetJsonAsync(client, $"/pipelines/api/runs/{run.Id}");
        later.GetProperty("nodes")[2].GetProperty("elementsIn").GetInt64().Should().Be(50);
        later.GetProperty("run").GetProperty("elementsRead").GetInt64().Should().Be(50);

        input.Writer.Complete();
        await pipelineRun.Completion;
        var ended = await GetJsonAsync(client, $"/pipelines/api/runs/{run.Id}");
        ended.GetProperty("run").GetProperty("state").GetString().Should().Be("completed");
        ended.GetProperty("run").GetProperty("endedAt").ValueKind.Should().Be(JsonValueKind.String);
        ended.GetProperty("run").GetProperty("resultsWritten").GetInt64().Should().Be(4, "one window per key");
    }

    [Fact]
    public async Task Rates_AndHistory_ComeFromOneSampleASecond_OnTheApplicationsClock()
    {
        var clock = new FakeTimeProvider(T0);
        await using var app = await StartAsync(configureServices: b => b.Services.AddSingleton<TimeProvider>(clock));
        var client = app.GetTestClient();
        string name = UniqueName("api-rates");
        var input = Channel.CreateUnbounded<Reading>();
        var pipelineRun = new StreamingExecutor().Start(Keyed(name, input.Reader));
        var run = await RunNamedAsync(name);

        await WriteAsync(input.Writer, 0, 10);
        await UntilAsync(run.Snapshot, s => s.Nodes[2].ElementsIn == 10, "10 elements in");
        clock.Advance(TimeSpan.FromSeconds(1));
        var first = await GetJsonAsync(client, $"/pipelines/api/runs/{run.Id}");
        first.GetProperty("nodes")[0].GetProperty("inPerSecond").ValueKind.Should().Be(JsonValueKind.Null, "a rate needs two samples");

        await WriteAsync(input.Writer, 10, 40);
        await UntilAsync(run.Snapshot, s => s.Nodes[2].ElementsIn == 40, "40 elements in");
        clock.Advance(TimeSpan.FromSeconds(1));
        var second = await GetJsonAsync(client, $"/pipelines/api/runs/{run.Id}");
        second.GetProperty("nodes")[0].GetProperty("outPerSecond").GetDouble().Should().Be(30);
        second.GetProperty("nodes")[2].GetProperty("inPerSecond").GetDouble().Should().Be(30);
        // Shares of the task's own time, whatever the application's clock says: they add up to a second.
        var keyed = second.GetProperty("nodes")[2];
        double busy = keyed.GetProperty("busyMsPerSecond").GetDouble(), pressed = keyed.GetProperty("backpressuredMsPerSecond").GetDouble(), idle = keyed.GetProperty("idleMsPerSecond").GetDouble();
        (busy + pressed + idle).Should().BeApproximately(1000, 0.001);
        new[] { busy, pressed, idle }.Should().OnlyContain(v => v >= 0 && v <= 1000);
        second.GetProperty("nodes")[1].GetProperty("busyMsPerSecond").ValueKind.Should().Be(JsonValueKind.Null, "a fused operator has no task of its own");
        var history = second.GetProperty("history").EnumerateArray().ToList();
        history.Should().ContainSingle();
        history[0].GetProperty("time").GetInt64().Should().Be((T0 + TimeSpan.FromSeconds(2)).ToUnixTimeMilliseconds());
        history[0].GetProperty("readPerSecond").GetDouble().Should().Be(30);
        history[0].GetProperty("watermarkLagMs").GetDouble().Should().BePositive();

        input.Writer.Complete();
        await pipelineRun.Completion;
    }

    [Fact]
    public async Task HostedPipeline_IsListed_WhileTheApplicationRuns_AndDrainsWhenItStops()
    {
        string name = UniqueName("api-hosted");
        var input = Channel.CreateUnbounded<Reading>();
        var app = await StartAsync(configureServices: b => b.Services.AddPipeline(name, (p, _) =>
            p.From(Sources.Channel(input.Reader, "readings")).Select(r => r.Key).To(Sinks.Action<string>(_ => { }, "keys"))));
        var client = app.GetTestClient();
        var run = await RunNamedAsync(name);
        await WriteAsync(input.Writer, 0, 5);
        await UntilAsync(run.Snapshot, s => s.Totals.ResultsWritten == 5, "5 results written");

        var listed = (await GetJsonAsync(client, "/pipelines/api/runs")).EnumerateArray().Single(r => r.GetProperty("id").GetInt64() == run.Id);
        listed.GetProperty("pipeline").GetString().Should().Be(name);
        listed.GetProperty("state").GetString().Should().Be("running");
        listed.GetProperty("resultsWritten").GetInt64().Should().Be(5);

        await app.StopAsync();
        await app.DisposeAsync();
        run.State.Should().Be(RunState.Completed, "the host drains the pipeline when it stops");
        run.Snapshot().Totals.ResultsWritten.Should().Be(5);
    }

    [Fact]
    public async Task FailedRun_ShowsFailed_WithItsError()
    {
        await using var app = await StartAsync();
        var client = app.GetTestClient();
        string name = UniqueName("api-failed");
        var p = new PipelineBuilder(name);
        p.From(Sources.Enumerable(new[] { 1, 0 })).Select(i => 1 / i).To(Sinks.Action<int>(_ => { }));
        var act = () => new BoundedExecutor().RunAsync(p.Build());
        await act.Should().ThrowAsync<PipelineExecutionException>();

        var run = PipelineMonitor.Runs.Single(r => r.Pipeline == name);
        var detail = await GetJsonAsync(client, $"/pipelines/api/runs/{run.Id}");
        detail.GetProperty("run").GetProperty("state").GetString().Should().Be("failed");
        detail.GetProperty("run").GetProperty("error").GetString().Should().StartWith("PipelineExecutionException:").And.Contain("Select");
    }

    [Fact]
    public async Task UnknownRun_Is404_WithAMessage_AndTheApiIsReadOnly()
    {
        await using var app = await StartAsync();
        var client = app.GetTestClient();
        using var missing = await client.GetAsync("/pipelines/api/runs/999999999");
        missing.StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await missing.Content.ReadAsStringAsync()).Should().Contain("No run 999999999 is listed");
        using var post = await client.PostAsync("/pipelines/api/runs", new StringContent("{}"));
        post.StatusCode.Should().Be(HttpStatusCode.MethodNotAllowed);
    }

    [Fact]
    public async Task RequireAuthorization_OnTheReturnedBuilder_GuardsThePage_TheAssets_AndTheApi()
    {
        await using var app = await StartAsync(
            configureServices: b =>
            {
                b.Services.AddAuthentication("anonymous").AddScheme<AuthenticationSchemeOptions, NoUser>("anonymous", _ => { });
                b.Services.AddAuthorization();
            },
            configure: (a, dashboard) =>
            {
                dashboard.RequireAuthorization();
                a.UseAuthentication();
                a.UseAuthorization();
            });
        var client = app.GetTestClient();
        foreach (string path in new[] { "/pipelines/", "/pipelines/assets/dashboard.js", "/pipelines/api/runs" })
        {
            using var response = await client.GetAsync(path);
            response.StatusCode.Should().Be(HttpStatusCode.Unauthorized, path);
        }
    }

    [Fact]
    public async Task ReadmeSnippet_RequiresThePolicy_ForThePageAndTheApi()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.Logging.ClearProviders();
        builder.WebHost.UseTestServer();
        builder.Services.AddAuthentication("anonymous").AddScheme<AuthenticationSchemeOptions, NoUser>("anonymous", _ => { });
        builder.Services.AddAuthorization(o => o.AddPolicy("ops", policy => policy.RequireRole("ops")));

        #region README: dashboard
        var app = builder.Build();
        app.MapPipelinesDashboard("/pipelines")       // the page at /pipelines, its JSON at /pipelines/api/runs
           .RequireAuthorization("ops");              // outside development: it shows names, counts and error messages
        #endregion

        app.UseAuthentication();
        app.UseAuthorization();
        await using (app)
        {
            await app.StartAsync();
            var client = app.GetTestClient();
            foreach (string path in new[] { "/pipelines/", "/pipelines/api/runs" })
            {
                using var response = await client.GetAsync(path);
                response.StatusCode.Should().Be(HttpStatusCode.Unauthorized, path);
            }
        }
    }

    [Fact]
    public async Task MappedAtTheRoot_UnderAPathBase_TheBaseAddressHasOneSlash_AndTheLinksWork()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Development" });
        builder.Logging.ClearProviders();
        builder.WebHost.UseTestServer();
        await using var app = builder.Build();
        app.UsePathBase("/ops");
        app.UseRouting();
        app.MapPipelinesDashboard("/");
        await app.StartAsync();
        var client = app.GetTestClient();

        string html = await client.GetStringAsync("/ops/");

        html.Should().Contain("<base href=\"/ops/\">");
        (await client.GetAsync("/ops/assets/dashboard.js")).StatusCode.Should().Be(HttpStatusCode.OK, "a link relative to the base address");
        (await client.GetAsync("/ops/api/runs")).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task MappedInsideARouteGroup_TheBaseAddressIsWhereThePageIs_AndTheLinksWork()
    {
        // The base address was built from the pattern alone: inside MapGroup("/admin") it said /pipelines/, so the
        // script and the API were asked for where nothing is served, and the page stayed blank.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Development" });
        builder.Logging.ClearProviders();
        builder.WebHost.UseTestServer();
        await using var app = builder.Build();
        app.UseRouting();
        app.MapGroup("/admin").MapPipelinesDashboard("/pipelines");
        await app.StartAsync();
        var client = app.GetTestClient();

        (await client.GetStringAsync("/admin/pipelines")).Should().Contain("<base href=\"/admin/pipelines/\">");
        (await client.GetStringAsync("/admin/pipelines/")).Should().Contain("<base href=\"/admin/pipelines/\">");
        (await client.GetAsync("/admin/pipelines/assets/dashboard.js")).StatusCode.Should().Be(HttpStatusCode.OK, "a link relative to the base address");
        (await client.GetAsync("/admin/pipelines/api/runs")).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Pattern_MustBeALiteralPath()
    {
        await using var app = WebApplication.CreateBuilder().Build();
        var act = () => app.MapPipelinesDashboard("/runs/{tenant}");
        act.Should().Throw<ArgumentException>().WithMessage("*literal path*");
    }

    /// <summary>An authentication scheme that never finds a user, so every protected request is challenged.</summary>
    private sealed class NoUser(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        protected override Task<AuthenticateResult> HandleAuthenticateAsync() => Task.FromResult(AuthenticateResult.NoResult());
    }
}
