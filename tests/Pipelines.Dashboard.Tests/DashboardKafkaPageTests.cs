using System.Collections.Concurrent;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Pipelines.Dashboard.Tests.DashboardHost;

namespace Pipelines.Dashboard.Tests;

/// <summary>The Kafka partitions panel in a real browser, while a pipeline reads librdkafka's mock cluster.</summary>
public sealed class DashboardKafkaPageTests(ChromiumFixture chromium) : IClassFixture<ChromiumFixture>, IDisposable
{
    private readonly string _state = Path.Combine(Path.GetTempPath(), "pipelines-dashboard-kafka-page-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_state)) Directory.Delete(_state, recursive: true);
    }

    [Fact]
    public async Task Panel_ShowsTheInputAndRepartitionPartitions_WithLagAndCommittedOffsets()
    {
        await using var app = await StartAsync(kestrel: true);
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        using var kafka = KafkaMock.Start();
        string name = UniqueName("browser-kafka"), topic = UniqueName("payments"), group = UniqueName("g");
        await kafka.CreateTopicAsync(topic);
        var pipelineRun = kafka.StartInstance(name, UniqueName("payments-source"), topic, group, _state);
        var errors = new ConcurrentQueue<string>();
        var page = await chromium.Browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 1400 } });
        page.PageError += (_, message) => errors.Enqueue(message);
        page.Console += (_, message) => { if (message.Type == "error") errors.Enqueue(message.Text); };
        try
        {
            var run = await RunNamedAsync(name);
            await kafka.ProducePaymentsAsync(topic, 0, 60);
            await page.GotoAsync($"{address}/pipelines/#run={run.Id}");

            // The input topic's four partitions, each committed; the repartition topic's four, with elements received.
            string input = $"#kafka tbody tr[data-topic='{topic}']";
            await page.WaitForFunctionAsync(
                "selector => { const rows = [...document.querySelectorAll(selector)]; return rows.length === 4 && rows.every(r => r.querySelector(\"td[data-field='committed-offset']\").textContent !== '–'); }",
                input, new PageWaitForFunctionOptions { Timeout = 45_000 });
            await page.WaitForFunctionAsync(
                "() => [...document.querySelectorAll('#kafka tbody tr')].filter(r => r.dataset.topic.endsWith('-repartition')).reduce((n, r) => n + Number(r.querySelector(\"td[data-field='records-received']\").textContent), 0) === 60",
                null, new PageWaitForFunctionOptions { Timeout = 45_000 });
            (await page.Locator("#kafka-panel").IsVisibleAsync()).Should().BeTrue();
            (await page.Locator("#kafka-panel h3").TextContentAsync()).Should().Be("Kafka partitions");
            var partitions = await page.Locator(input).EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.partition)");
            partitions.Should().Equal("0", "1", "2", "3");
            var read = await page.Locator($"{input} td[data-field='records-read']").AllTextContentsAsync();
            read.Select(int.Parse).Sum().Should().Be(60);
            var lags = await page.Locator($"{input} td[data-field='lag']").AllTextContentsAsync();
            lags.Should().OnlyContain(l => l == "0", "the instance has caught up with every partition");
            var owned = await page.Locator($"{input} td[data-field='owned']").AllTextContentsAsync();
            owned.Should().OnlyContain(o => o == "yes");
            (await page.Locator("#kafka thead th").AllTextContentsAsync()).Should().ContainInOrder("topic", "partition", "owned", "lag", "committed offset", "records/s");
            string folder = Path.Combine(AppContext.BaseDirectory, "screenshots");
            Directory.CreateDirectory(folder);
            await page.Locator("#kafka-panel").ScreenshotAsync(new LocatorScreenshotOptions { Path = Path.Combine(folder, "dashboard-kafka.png") });
            errors.Should().BeEmpty("the page's script must run without errors");
        }
        finally
        {
            await page.CloseAsync();
            await pipelineRun.StopAsync(drain: false);
        }
    }
}
