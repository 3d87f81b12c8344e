using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Pipelines.Dashboard.Tests.DashboardHost;

namespace Pipelines.Dashboard.Tests;

/// <summary>The page in a real browser, on Kestrel, while a pipeline runs.</summary>
public class DashboardPageTests(ChromiumFixture chromium, ITestOutputHelper output) : IClassFixture<ChromiumFixture>
{
    private static readonly DateTimeOffset T0 = new(2026, 4, 1, 0, 0, 0, TimeSpan.Zero);

    private sealed record Reading(string Machine, DateTimeOffset Time, double Value);

    [Fact]
    public async Task Page_ShowsTheRunningPipelinesGraph_AndItsCountersRise()
    {
        await using var app = await StartAsync(kestrel: true);
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

        string name = UniqueName("browser");
        var input = Channel.CreateBounded<Reading>(1000);
        var p = new PipelineBuilder(name);
        var byMachine = p.From(Sources.Channel(input.Reader, "sensors"))
            .WithEventTime(r => r.Time, Watermarks.BoundedOutOfOrderness(TimeSpan.FromSeconds(2)))
            .Where(r => r.Value >= 0).Named("valid")
            .KeyBy(r => r.Machine);
        byMachine.Window(Windows.Tumbling(TimeSpan.FromSeconds(10))).Average(r => r.Value).Named("average")
            .To(Sinks.Action<WindowResult<string, double>>(_ => { }, "averages"));
        var pipelineRun = new StreamingExecutor(new StreamingOptions { Parallelism = 2 }).Start(p.Build());
        using var stop = new CancellationTokenSource();
        var feed = FeedAsync(input.Writer, stop.Token);
        var run = await RunNamedAsync(name);

        var errors = new ConcurrentQueue<string>();
        var page = await chromium.Browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 1100 } });
        page.PageError += (_, message) => errors.Enqueue(message);
        page.Console += (_, message) => { if (message.Type == "error") errors.Enqueue(message.Text); };
        try
        {
            await page.GotoAsync($"{address}/pipelines/#run={run.Id}");

            await page.WaitForFunctionAsync("n => document.querySelectorAll('#graph g.node').length === n", run.Nodes.Count);
            var names = await page.Locator("#graph g.node").EvaluateAllAsync<string[]>("nodes => nodes.map(n => n.dataset.name)");
            names.Should().Equal("Source#1", "WithEventTime#2", "valid", "average", "Sink#6");
            (await page.Locator("#run-title").TextContentAsync()).Should().Be(name);
            (await page.Locator("#run-state").TextContentAsync()).Should().Be("running");
            (await page.Locator("#graph .edge").CountAsync()).Should().Be(4);

            const string sourceIn = "Number(document.querySelector(\"#graph g.node[data-name='Source#1']\").dataset.elementsIn)";
            const string windowIn = "Number(document.querySelector(\"#graph g.node[data-name='average']\").dataset.elementsIn)";
            long first = await page.EvaluateAsync<long>(sourceIn);
            await page.WaitForFunctionAsync($"first => {sourceIn} > first && {windowIn} > first", first);

            // Two samples a second apart give the rates, the charts and the time bars.
            await page.WaitForFunctionAsync("() => document.querySelector('#chart-throughput polyline') !== null");
            await page.WaitForFunctionAsync("() => !document.querySelector(\"#nodes tr[data-node-id] td[data-field='in-rate']\").textContent.startsWith('–')");
            (await page.Locator("#total-read").TextContentAsync()).Should().NotBe("0");

            string folder = Path.Combine(AppContext.BaseDirectory, "screenshots");
            Directory.CreateDirectory(folder);
            string path = Path.Combine(folder, "dashboard.png");
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
            new FileInfo(path).Length.Should().BePositive();
            output.WriteLine($"Screenshot: {path}");
            errors.Should().BeEmpty("the page's script must run without errors");
        }
        finally
        {
            await page.CloseAsync();
            await stop.CancelAsync();
            await feed;
            await pipelineRun.StopAsync(drain: false);
        }
    }

    /// <summary>Readings from four machines, 50 every 10 ms, event time one second per batch, until stopped.</summary>
    private static async Task FeedAsync(ChannelWriter<Reading> writer, CancellationToken stop)
    {
        var random = new Random(7);
        try
        {
            for (int batch = 0; !stop.IsCancellationRequested; batch++)
            {
                for (int i = 0; i < 50; i++)
                {
                    await writer.WriteAsync(new Reading($"m{i % 4}", T0.AddSeconds(batch).AddMilliseconds(i * 10), random.NextDouble()), stop);
                }

                await Task.Delay(10, stop);
            }
        }
        catch (OperationCanceledException)
        {
            // The test is done.
        }
    }
}
