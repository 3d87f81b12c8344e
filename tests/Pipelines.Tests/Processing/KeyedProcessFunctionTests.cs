using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;
using Pipelines.Testing;
using Pipelines.Tests.TestSupport;

namespace Pipelines.Tests.Processing;

public class KeyedProcessFunctionTests
{
    /// <summary>Events for keys a–e in event-time order, with gaps of up to 90 s per key, values 1–9.</summary>
    private static Ev[] Events(int seed, int count = 400)
    {
        var random = new Random(seed);
        double t = 0;
        return Enumerable.Range(0, count).Select(_ =>
        {
            t += random.Next(0, 20);
            return Ev.At(((char)('a' + random.Next(5))).ToString(), t, random.Next(1, 10));
        }).ToArray();
    }

    private static async Task<List<TOut>> RunAsync<TOut>(Ev[] events, Func<KeyedStream<Ev, string>, DataStream<TOut>> define, bool streaming, int parallelism = 2)
    {
        var results = new List<TOut>();
        var p = new PipelineBuilder();
        define(p.From(Sources.Enumerable(events)).WithEventTime(e => e.Time, Watermarks.Monotonic()).KeyBy(e => e.Key)).To(Sinks.Collection(results));
        if (streaming) await new StreamingExecutor(new StreamingOptions { Parallelism = parallelism, MaxBatchSize = 7 }).RunAsync(p.Build());
        else await new BoundedExecutor().RunAsync(p.Build());
        return results;
    }

    [Theory]
    [InlineData(false, 1)]
    [InlineData(true, 1)]
    [InlineData(true, 3)]
    public async Task RunningTotals_EmitTheSumSoFar_AndEndAtTheKeysTotals(bool streaming, int parallelism)
    {
        var events = Events(1);

        var results = await RunAsync(events, k => k.Process(() => new RunningTotal()), streaming, parallelism);

        results.Should().HaveCount(events.Length);
        foreach (var group in events.GroupBy(e => e.Key))
        {
            var expected = group.Select((e, i) => group.Take(i + 1).Sum(x => (long)x.Value)).ToList();
            results.Where(r => r.Key == group.Key).Select(r => r.Total).Should().Equal(expected);
        }
    }

    [Theory]
    [InlineData(false, 1)]
    [InlineData(true, 1)]
    [InlineData(true, 3)]
    public async Task Deduplication_WithinAHorizon_GivesTheSameResultsOnBothExecutors(bool streaming, int parallelism)
    {
        var events = Events(2);
        var horizon = TimeSpan.FromSeconds(30);
        var expected = new List<Ev>();
        foreach (var group in events.GroupBy(e => e.Key))
        {
            DateTimeOffset? last = null;
            foreach (var e in group)
            {
                if (last is { } l && e.Time - l < horizon) continue;
                last = e.Time;
                expected.Add(e);
            }
        }

        var results = await RunAsync(events, k => k.Process(() => new Deduplicate(horizon)), streaming, parallelism);

        results.Should().BeEquivalentTo(expected);
        results.Count.Should().BeLessThan(events.Length, "the data has repeats within the horizon");
    }

    [Theory]
    [InlineData(false, 1)]
    [InlineData(true, 1)]
    [InlineData(true, 3)]
    public async Task InactivityAlerts_OncePerGap_AndForEveryKeyAtTheEnd(bool streaming, int parallelism)
    {
        var events = Events(3);
        var timeout = TimeSpan.FromSeconds(60);
        var expected = new List<string>();
        foreach (var group in events.GroupBy(e => e.Key))
        {
            var times = group.Select(e => e.Time).ToList();
            for (int i = 1; i < times.Count; i++)
            {
                if (times[i] - times[i - 1] >= timeout) expected.Add(InactivityAlert.Alert(group.Key, times[i - 1]));
            }

            expected.Add(InactivityAlert.Alert(group.Key, times[^1]));
        }

        var results = await RunAsync(events, k => k.Process(() => new InactivityAlert(timeout)), streaming, parallelism);

        results.Should().BeEquivalentTo(expected);
        expected.Count.Should().BeGreaterThan(5, "the data has gaps longer than the timeout");
    }

    [Fact]
    public async Task Streaming_ProcessingTimeTimers_FireWhenTheClockDoes_EventTimeTimersWhenTheWatermarkPasses()
    {
        var clock = new FakeTimeProvider(Ev.T0);
        var feed = Channel.CreateUnbounded<Ev>();
        var results = new List<string>();
        var p = new PipelineBuilder();
        p.From(Sources.Channel(feed.Reader)).WithEventTime(e => e.Time, Watermarks.Monotonic())
            .KeyBy(e => e.Key).Process(() => new TwoTimers())
            .To(Sinks.Action<string>(r => { lock (results) results.Add(r); }));
        var run = new StreamingExecutor(new StreamingOptions { Parallelism = 1, TimeProvider = clock, IdleTimeout = Timeout.InfiniteTimeSpan }).Start(p.Build());

        feed.Writer.TryWrite(Ev.At("a", 1, 1));

        // The input stays open: the processing-time timer (20 s after the element) can only fire on the clock.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            lock (results) if (results.Count > 0) break;
            if (DateTime.UtcNow > deadline) throw new TimeoutException("The processing-time timer did not fire.");
            clock.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(5);
        }

        lock (results) results.Should().Equal("processing a before the end");
        clock.GetUtcNow().Should().BeOnOrAfter(Ev.T0.AddSeconds(20), "the timer is due 20 s after the element was processed");

        // The event-time timer (60 s after the element) fires when the watermark passes it: here at the end of input.
        feed.Writer.Complete();
        await run.Completion.WaitAsync(TimeSpan.FromSeconds(30));
        results.Should().Equal("processing a before the end", "event a at 61s");
    }

    [Fact]
    public async Task Streaming_WhatAProcessingTimeTimerEmits_IsCountedByAWindowDownstream_NotDroppedAsLate()
    {
        // It was stamped with the watermark already passed on: an element at 60 s makes the watermark 60 s less a
        // tick, which closes [0 s, 60 s), and the timer's result, stamped there, was dropped as late.
        var clock = new FakeTimeProvider(Ev.T0);
        var feed = Channel.CreateUnbounded<Ev>();
        var emitted = new List<string>();
        var windows = new List<WindowResult<string, long>>();
        var p = new PipelineBuilder();
        p.From(Sources.Channel(feed.Reader)).WithEventTime(e => e.Time, Watermarks.Monotonic())
            .KeyBy(e => e.Key).Process(() => new TwoTimers())
            .Select(r => { lock (emitted) emitted.Add(r); return r; })
            .KeyBy(_ => "all").Window(Windows.Tumbling(TimeSpan.FromMinutes(1))).Count()
            .To(Sinks.Action<WindowResult<string, long>>(r => { lock (windows) windows.Add(r); }));
        var run = new StreamingExecutor(new StreamingOptions { Parallelism = 1, TimeProvider = clock, IdleTimeout = Timeout.InfiniteTimeSpan }).Start(p.Build());

        feed.Writer.TryWrite(Ev.At("a", 60, 1));
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            lock (emitted) if (emitted.Count > 0) break;
            if (DateTime.UtcNow > deadline) throw new TimeoutException("The processing-time timer did not fire.");
            clock.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(5);
        }

        feed.Writer.Complete();
        await run.Completion.WaitAsync(TimeSpan.FromSeconds(30));
        emitted.Should().Equal("processing a before the end", "event a at 120s");
        windows.Select(w => ((w.Window.Start - Ev.T0).TotalSeconds, w.Value)).Should().Equal((60.0, 1L), (120.0, 1L));
    }

    [Fact]
    public async Task Bounded_ProcessingTimeTimers_StillRegistered_FireAtTheEnd()
    {
        var results = await RunAsync([Ev.At("a", 1, 1)], k => k.Process(() => new TwoTimers()), streaming: false);
        results.Should().Equal("event a at 61s", "processing a at the end");
    }

    /// <summary>
    /// What the processing-time timers still registered at the end emit reaches a window after the operator: they
    /// fire before the +∞ watermark is passed on, stamped just after the last watermark before it, not behind it.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ProcessingTimeTimersFiringAtTheEnd_AreCountedByAWindowDownstream(bool streaming)
    {
        var results = await RunAsync(
            [Ev.At("a", 1, 1), Ev.At("b", 2, 1)],
            k => k.Process(() => new TwoTimers()).KeyBy(_ => "all").Window(Windows.Global()).Count(),
            streaming);

        results.Should().ContainSingle().Which.Value.Should().Be(4, "two event-time and two processing-time timers each emitted one result");
    }

    [Theory]
    [InlineData(false, TimeDomain.EventTime)]
    [InlineData(true, TimeDomain.EventTime)]
    [InlineData(false, TimeDomain.ProcessingTime)]
    [InlineData(true, TimeDomain.ProcessingTime)]
    public async Task APeriodicTimer_AfterTheEndOfInput_FailsTheRunSayingHowToStopIt_InsteadOfFiringForEver(bool streaming, TimeDomain domain)
    {
        // Every timer fires when the input ends; a heartbeat that registers its next beat from OnTimer made the run
        // fire timers (and emit) without end.
        var act = () => RunAsync([Ev.At("a", 1, 1)], k => k.Process(() => new Heartbeat(domain, stopAtTheEnd: false)).Named("beats"), streaming);
        var failure = (await act.Should().ThrowAsync<PipelineExecutionException>()).Which;
        failure.ToString().Should().Contain("Operator 'beats'").And.Contain("key 'a'").And.Contain("1000 times in a chain")
            .And.Contain("context.Watermark is before DateTimeOffset.MaxValue");
    }

    [Theory]
    [InlineData(false, TimeDomain.EventTime)]
    [InlineData(true, TimeDomain.EventTime)]
    [InlineData(true, TimeDomain.ProcessingTime)]
    public async Task APeriodicTimer_ThatStopsAtTheEnd_AndAFiniteChainAtTheEnd_Complete(bool streaming, TimeDomain domain)
    {
        var beats = await RunAsync([Ev.At("a", 1, 1), Ev.At("b", 2, 1)], k => k.Process(() => new Heartbeat(domain, stopAtTheEnd: true)), streaming);
        beats.Should().BeEquivalentTo(["a 1", "b 1"], "the beat due when the input ended fires, and registers no next one");

        // Five links per key after the end: each fires.
        var chain = await RunAsync([Ev.At("a", 1, 5), Ev.At("b", 2, 5)], k => k.Process(() => new Heartbeat(domain, stopAtTheEnd: false, links: 5)), streaming);
        chain.Order(StringComparer.Ordinal).Should().Equal("a 1", "a 2", "a 3", "a 4", "a 5", "b 1", "b 2", "b 3", "b 4", "b 5");
    }

    [Fact]
    public async Task APeriodicTimer_AfterTheEndOfInput_UnderSkip_EndsItsChainAndCountsIt()
    {
        var results = new List<string>();
        var p = new PipelineBuilder().OnError(ErrorPolicy.Skip);
        p.Events(Ev.At("a", 1, 1), Ev.At("b", 2, 1)).KeyBy(e => e.Key).Process(() => new Heartbeat(TimeDomain.EventTime, stopAtTheEnd: false)).To(Sinks.Collection(results));
        var summary = await new BoundedExecutor().RunAsync(p.Build());
        summary.ElementsSkipped.Should().Be(2, "one chain per key ended");
        results.Should().HaveCount(2 * 1_000, "the beats of the first 1,000 timers; the one that failed withdrew its own");
    }

    /// <summary>
    /// A beat every minute from the element on, each registering the next; with <c>stopAtTheEnd</c> only while the input
    /// goes on; with <c>links</c>, at most that many beats (the element's value says how many).
    /// </summary>
    private sealed class Heartbeat(TimeDomain domain, bool stopAtTheEnd, int links = int.MaxValue) : KeyedProcessFunction<string, Ev, string>
    {
        private ValueState<int>? _beats;

        public override void Open(KeyedStateRegistry state) => _beats = state.Value<int>("beats");

        public override void ProcessElement(Ev element, KeyedProcessContext<string, string> context) => Next(context, element.Time);

        public override void OnTimer(DateTimeOffset time, TimeDomain timerDomain, KeyedProcessContext<string, string> context)
        {
            int beat = _beats!.GetValueOrDefault(0) + 1;
            _beats.Value = beat;
            context.Emit($"{context.Key} {beat}");
            if (stopAtTheEnd && context.Watermark == DateTimeOffset.MaxValue) return;
            if (beat < links) Next(context, time);
        }

        private void Next(KeyedProcessContext<string, string> context, DateTimeOffset after)
        {
            if (domain == TimeDomain.EventTime) context.RegisterEventTimeTimer(after.AddMinutes(1));
            else context.RegisterProcessingTimeTimer(context.ProcessingTime.AddMinutes(1));
        }
    }

    /// <summary>An event-time timer 60 s after the element and a processing-time timer 20 s after the clock.</summary>
    private sealed class TwoTimers : KeyedProcessFunction<string, Ev, string>
    {
        public override void ProcessElement(Ev element, KeyedProcessContext<string, string> context)
        {
            if (element.Value < 0) context.Emit($"element {context.Key}");
            context.RegisterEventTimeTimer(element.Time.AddSeconds(60));
            context.RegisterProcessingTimeTimer(context.ProcessingTime.AddSeconds(20));
        }

        public override void OnTimer(DateTimeOffset time, TimeDomain domain, KeyedProcessContext<string, string> context) =>
            context.Emit(domain == TimeDomain.EventTime
                ? $"event {context.Key} at {(time - Ev.T0).TotalSeconds}s"
                : $"processing {context.Key} {(context.Watermark == DateTimeOffset.MaxValue ? "at the end" : "before the end")}");
    }

    [Theory]
    [InlineData(ErrorPolicy.Skip)]
    [InlineData(ErrorPolicy.DeadLetter)]
    public async Task AFailingElement_WithdrawsWhatItEmitted_AndFollowsThePolicy(ErrorPolicy policy)
    {
        var dead = new List<DeadLetter>();
        var results = new List<int>();
        var p = new PipelineBuilder().OnError(policy).WithDeadLetterSink(Sinks.Collection(dead));
        p.Events(Ev.At("a", 1, 1), Ev.At("a", 2, 13), Ev.At("a", 3, 3))
            .KeyBy(e => e.Key)
            .Process(() => new EmitThenThrowOn13())
            .To(Sinks.Collection(results));

        var summary = await new BoundedExecutor().RunAsync(p.Build());

        results.Should().Equal(1, 3);
        (summary.ElementsSkipped + summary.ElementsDeadLettered).Should().Be(1);
        if (policy == ErrorPolicy.DeadLetter) dead.Should().ContainSingle().Which.Element.Should().Be(Ev.At("a", 2, 13));
    }

    [Fact]
    public async Task AFailingElement_UnderFail_FailsTheRunNamingTheOperatorAndTheElement()
    {
        var p = new PipelineBuilder();
        p.Events(Ev.At("a", 1, 1), Ev.At("a", 2, 13)).KeyBy(e => e.Key).Process(() => new EmitThenThrowOn13()).Named("totals").To(Sinks.Action<int>(_ => { }));

        var act = () => new StreamingExecutor(new StreamingOptions { Parallelism = 2 }).RunAsync(p.Build());

        (await act.Should().ThrowAsync<PipelineExecutionException>()).Which.Message.Should().Contain("totals").And.Contain("13");
    }

    private sealed class EmitThenThrowOn13 : KeyedProcessFunction<string, Ev, int>
    {
        public override void ProcessElement(Ev element, KeyedProcessContext<string, int> context)
        {
            context.Emit(element.Value);
            if (element.Value == 13) throw new InvalidOperationException("unlucky");
        }
    }

    [Fact]
    public async Task ListAndMapState_AreKeptPerKey_AndClearable()
    {
        var results = await RunAsync(
            [Ev.At("a", 1, 1), Ev.At("b", 2, 2), Ev.At("a", 3, 3), Ev.At("a", 4, 0), Ev.At("b", 5, 5)],
            k => k.Process(() => new Collect()),
            streaming: false);

        results.Should().Equal("a:[1]{1=1}", "b:[2]{2=1}", "a:[1,3]{1=1,3=1}", "a:[]{}", "b:[2,5]{2=1,5=1}");
    }

    /// <summary>Collects values in a list and counts them in a map; a 0 clears both.</summary>
    private sealed class Collect : KeyedProcessFunction<string, Ev, string>
    {
        private ListState<int> _list = null!;
        private MapState<int, int> _counts = null!;

        public override void Open(KeyedStateRegistry state)
        {
            _list = state.List<int>("values");
            _counts = state.Map<int, int>("counts");
        }

        public override void ProcessElement(Ev element, KeyedProcessContext<string, string> context)
        {
            if (element.Value == 0)
            {
                _list.Clear();
                _counts.Clear();
            }
            else
            {
                _list.Add(element.Value);
                _counts.Set(element.Value, _counts.TryGetValue(element.Value, out int n) ? n + 1 : 1);
            }

            context.Emit($"{context.Key}:[{string.Join(",", _list.Items)}]{{{string.Join(",", _counts.Entries.Select(e => $"{e.Key}={e.Value}"))}}}");
        }
    }

    [Fact]
    public async Task State_UsedOutsideACall_IsAClearError()
    {
        var p = new PipelineBuilder();
        p.Events(Ev.At("a", 1)).KeyBy(e => e.Key).Process(() => new ReadsStateInOpen()).To(Sinks.Action<int>(_ => { }));

        var act = () => new BoundedExecutor().RunAsync(p.Build());

        (await act.Should().ThrowAsync<InvalidOperationException>()).Which.Message.Should().Contain("only available during ProcessElement and OnTimer");
    }

    private sealed class ReadsStateInOpen : KeyedProcessFunction<string, Ev, int>
    {
        public override void Open(KeyedStateRegistry state) => _ = state.Value<int>("v").Value;

        public override void ProcessElement(Ev element, KeyedProcessContext<string, int> context)
        {
        }
    }

    [Fact]
    public async Task LateElements_ReachTheFunction_WhichSeesTheWatermark()
    {
        var t0 = Ev.T0;
        var script = new TestStream<Ev>()
            .AdvanceWatermarkTo(t0.AddSeconds(10))
            .Add(t0.AddSeconds(5), Ev.At("a", 5));
        var results = new List<bool>();
        var p = new PipelineBuilder();
        p.From(script).KeyBy(e => e.Key).Process(() => new IsLate()).To(Sinks.Collection(results));

        await new StreamingExecutor(new StreamingOptions { Parallelism = 1, TimeProvider = script.Clock }).RunAsync(p.Build());

        results.Should().Equal(true);
    }

    private sealed class IsLate : KeyedProcessFunction<string, Ev, bool>
    {
        public override void ProcessElement(Ev element, KeyedProcessContext<string, bool> context) => context.Emit(context.Timestamp <= context.Watermark);
    }

    [Fact]
    public void Process_NeedsAFactory()
    {
        var p = new PipelineBuilder();
        var act = () => p.Events(Ev.At("a", 1)).KeyBy(e => e.Key).Process<int>(null!);
        act.Should().Throw<ArgumentNullException>();
    }
}
