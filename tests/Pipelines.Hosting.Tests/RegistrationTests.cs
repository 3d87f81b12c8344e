using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Pipelines.Hosting.Tests;

/// <summary>What AddPipeline registers, and what it refuses.</summary>
public class RegistrationTests
{
    private static void Define(PipelineBuilder p, IServiceProvider services) => p.From(Sources.Enumerable(new[] { 1 })).To(Sinks.Action<int>(_ => { }));

    [Fact]
    public void AddPipeline_SameNameTwice_Throws()
    {
        var services = new ServiceCollection();
        services.AddPipeline("orders", Define);

        var again = () => services.AddPipeline("orders", Define);

        again.Should().Throw<ArgumentException>().WithMessage("A pipeline named 'orders' is already added*");
    }

    [Fact]
    public void AddPipeline_InvalidArguments_Throw()
    {
        var services = new ServiceCollection();

        ((Action)(() => services.AddPipeline(" ", Define))).Should().Throw<ArgumentException>();
        ((Action)(() => services.AddPipeline("x", null!))).Should().Throw<ArgumentNullException>();
        ((Action)(() => PipelineServiceCollectionExtensions.AddPipeline(null!, "x", Define))).Should().Throw<ArgumentNullException>();
        ((Action)(() => services.AddHealthChecks().AddPipelineHealthCheck(""))).Should().Throw<ArgumentException>();
    }

    [Fact]
    public void AddPipeline_RegistersOneHostedServicePerPipeline_AndOneRegistry()
    {
        var services = new ServiceCollection();
        services.AddPipeline("a", Define);
        services.AddPipeline("b", Define);

        services.Count(d => d.ServiceType == typeof(IHostedService)).Should().Be(2);
        services.Count(d => d.ServiceType == typeof(PipelineStatusRegistry)).Should().Be(1);
        var registry = (PipelineStatusRegistry)services.Single(d => d.ServiceType == typeof(PipelineStatusRegistry)).ImplementationInstance!;
        registry.Select(s => s.Name).Should().Equal("a", "b");
        registry.TryGet("c", out _).Should().BeFalse();
        ((Func<PipelineStatus>)(() => registry["c"])).Should().Throw<KeyNotFoundException>().WithMessage("No pipeline named 'c'*");
    }

    [Fact]
    public void StreamingOptions_AreCopiedSettingBySetting_WithTheHostsLoggerAndClock()
    {
        var configured = new StreamingOptions
        {
            Parallelism = 3,
            ChannelCapacity = 5,
            MaxBatchSize = 7,
            ChainSinks = false,
            Linger = TimeSpan.FromMilliseconds(11),
            WatermarkInterval = TimeSpan.FromMilliseconds(13),
            IdleTimeout = TimeSpan.FromSeconds(17),
            CheckpointInterval = TimeSpan.FromSeconds(19),
            CheckpointStorage = CheckpointStorage.Directory(Path.Combine(Path.GetTempPath(), "unused-checkpoints")),
            MaxParallelism = 23,
            RestoreFrom = Path.Combine(Path.GetTempPath(), "unused-checkpoints", "chk-1"),
            AllowNonRestoredState = true,
            TolerableCheckpointFailures = 2,
            MaxAlignmentBuffer = 29,
        };
        var hostClock = new FakeTimeProvider();

        var resolved = StreamingOptionsResolver.Resolve(configured, NullLoggerFactory.Instance, hostClock);

        // Every public setting must be carried over: a setting added to StreamingOptions later fails this test until copied.
        foreach (var property in typeof(StreamingOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.Name is nameof(StreamingOptions.Logger) or nameof(StreamingOptions.TimeProvider)) continue;
            property.GetValue(resolved).Should().Be(property.GetValue(configured), $"{property.Name} is copied");
            property.GetValue(resolved).Should().NotBe(property.GetValue(new StreamingOptions()), $"the test sets {property.Name} to a non-default value");
        }

        resolved.TimeProvider.Should().BeSameAs(hostClock);
        resolved.Logger.Should().NotBeNull();
    }

    [Fact]
    public void StreamingOptions_ExplicitLoggerAndClock_AreKept()
    {
        var clock = new FakeTimeProvider();
        var logger = NullLogger.Instance;

        var resolved = StreamingOptionsResolver.Resolve(new StreamingOptions { TimeProvider = clock, Logger = logger }, NullLoggerFactory.Instance, new FakeTimeProvider());

        resolved.TimeProvider.Should().BeSameAs(clock);
        resolved.Logger.Should().BeSameAs(logger);
        StreamingOptionsResolver.Resolve(null, NullLoggerFactory.Instance, null).TimeProvider.Should().BeSameAs(TimeProvider.System);
    }

    [Fact]
    public void PipelineStatus_MovesOnlyForward()
    {
        var status = new PipelineStatus("s");

        status.TryMoveTo(PipelineState.Draining).Should().BeFalse("a pipeline that never ran cannot drain");
        status.TryMoveTo(PipelineState.Running).Should().BeTrue();
        status.TryMoveTo(PipelineState.Running).Should().BeFalse();
        status.TryMoveTo(PipelineState.Draining).Should().BeTrue();
        status.TryMoveTo(PipelineState.Failed, new InvalidOperationException("x")).Should().BeTrue();
        status.TryMoveTo(PipelineState.Stopped).Should().BeFalse("a failed pipeline stays failed");
        status.ToString().Should().Be("s: Failed (x)");
    }

    [Fact]
    public void DrainTimeout_Negative_FailsValidation()
    {
        var options = new PipelineHostOptions { DrainTimeout = TimeSpan.FromSeconds(-1) };

        ((Action)(() => options.Validate("p"))).Should().Throw<ArgumentOutOfRangeException>().WithMessage("*pipeline 'p'*");
        new PipelineHostOptions { DrainTimeout = Timeout.InfiniteTimeSpan }.Validate("p");
    }

    [Fact]
    public void DrainTimeout_LongerThanATimerCanWait_FailsValidation_SayingWhatToUse()
    {
        var options = new PipelineHostOptions { DrainTimeout = TimeSpan.MaxValue };

        ((Action)(() => options.Validate("p"))).Should().Throw<ArgumentOutOfRangeException>().WithMessage("*pipeline 'p'*Timeout.InfiniteTimeSpan*");
        new PipelineHostOptions { DrainTimeout = TimeSpan.FromDays(24) }.Validate("p");
    }
}
