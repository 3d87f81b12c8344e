using BenchmarkDotNet.Attributes;
using Pipelines.Benchmarks.Infrastructure;
using Pipelines.Benchmarks.Workloads;

namespace Pipelines.Benchmarks.Suites;

// One class per workload; the methods are the contenders that can express it. Times are per input event
// (OperationsPerInvoke = event count); Ratio is against the hand loop of the same workload (category).

[BenchmarkCategory("F")]
public class F_FilterProject : SuiteBase<FilterProject>
{
    protected override int Events => Sizes.Synthetic;

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic, Baseline = true)]
    public long HandLoop() => Run(Contenders.HandLoop);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long Linq() => Run(Contenders.Linq);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long Rx() => Run(Contenders.Rx);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long Dataflow() => Run(Contenders.Dataflow);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long DataflowBatched() => Run(Contenders.DataflowBatched);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long Channels() => Run(Contenders.Channels);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long ChannelsBatched() => Run(Contenders.ChannelsBatched);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long AkkaStreams() => Run(Contenders.AkkaStreams);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long PipelinesBounded() => Run(Contenders.PipelinesBounded);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long PipelinesStreamingP1() => Run(Contenders.PipelinesStreamingP1);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long PipelinesStreamingP2() => Run(Contenders.PipelinesStreamingP2);
}

[BenchmarkCategory("FClass")]
public class FClass_FilterProject : SuiteBase<FilterProjectClass>
{
    protected override int Events => Sizes.Synthetic;

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic, Baseline = true)]
    public long HandLoop() => Run(Contenders.HandLoop);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long Linq() => Run(Contenders.Linq);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long Rx() => Run(Contenders.Rx);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long Dataflow() => Run(Contenders.Dataflow);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long DataflowBatched() => Run(Contenders.DataflowBatched);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long Channels() => Run(Contenders.Channels);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long ChannelsBatched() => Run(Contenders.ChannelsBatched);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long AkkaStreams() => Run(Contenders.AkkaStreams);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long PipelinesBounded() => Run(Contenders.PipelinesBounded);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long PipelinesStreamingP1() => Run(Contenders.PipelinesStreamingP1);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long PipelinesStreamingP2() => Run(Contenders.PipelinesStreamingP2);
}

[BenchmarkCategory("T")]
public class T_TumblingCount : SuiteBase<TumblingCount>
{
    protected override int Events => Sizes.Synthetic;

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic, Baseline = true)]
    public long HandLoop() => Run(Contenders.HandLoop);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long Linq() => Run(Contenders.Linq);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long Rx() => Run(Contenders.Rx);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long RxGroupBy() => Run(Contenders.RxGroupBy);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long Dataflow() => Run(Contenders.Dataflow);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long DataflowBatched() => Run(Contenders.DataflowBatched);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long Channels() => Run(Contenders.Channels);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long ChannelsBatched() => Run(Contenders.ChannelsBatched);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long AkkaStreams() => Run(Contenders.AkkaStreams);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long PipelinesBounded() => Run(Contenders.PipelinesBounded);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long PipelinesStreamingP1() => Run(Contenders.PipelinesStreamingP1);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long PipelinesStreamingP2() => Run(Contenders.PipelinesStreamingP2);
}

[BenchmarkCategory("TLong")]
public class TLong_TumblingCount : SuiteBase<TumblingCountLong>
{
    protected override int Events => Sizes.Synthetic;

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic, Baseline = true)]
    public long HandLoop() => Run(Contenders.HandLoop);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long Linq() => Run(Contenders.Linq);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long Rx() => Run(Contenders.Rx);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long RxGroupBy() => Run(Contenders.RxGroupBy);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long Dataflow() => Run(Contenders.Dataflow);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long DataflowBatched() => Run(Contenders.DataflowBatched);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long Channels() => Run(Contenders.Channels);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long ChannelsBatched() => Run(Contenders.ChannelsBatched);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long AkkaStreams() => Run(Contenders.AkkaStreams);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long PipelinesBounded() => Run(Contenders.PipelinesBounded);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long PipelinesStreamingP1() => Run(Contenders.PipelinesStreamingP1);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long PipelinesStreamingP2() => Run(Contenders.PipelinesStreamingP2);
}

[BenchmarkCategory("TString")]
public class TString_TumblingCount : SuiteBase<TumblingCountString>
{
    protected override int Events => Sizes.Synthetic;

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic, Baseline = true)]
    public long HandLoop() => Run(Contenders.HandLoop);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long Linq() => Run(Contenders.Linq);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long Rx() => Run(Contenders.Rx);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long RxGroupBy() => Run(Contenders.RxGroupBy);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long Dataflow() => Run(Contenders.Dataflow);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long DataflowBatched() => Run(Contenders.DataflowBatched);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long Channels() => Run(Contenders.Channels);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long ChannelsBatched() => Run(Contenders.ChannelsBatched);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long AkkaStreams() => Run(Contenders.AkkaStreams);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long PipelinesBounded() => Run(Contenders.PipelinesBounded);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long PipelinesStreamingP1() => Run(Contenders.PipelinesStreamingP1);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long PipelinesStreamingP2() => Run(Contenders.PipelinesStreamingP2);
}

[BenchmarkCategory("TGuid")]
public class TGuid_TumblingCount : SuiteBase<TumblingCountGuid>
{
    protected override int Events => Sizes.Synthetic;

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic, Baseline = true)]
    public long HandLoop() => Run(Contenders.HandLoop);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long Linq() => Run(Contenders.Linq);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long Rx() => Run(Contenders.Rx);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long RxGroupBy() => Run(Contenders.RxGroupBy);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long Dataflow() => Run(Contenders.Dataflow);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long DataflowBatched() => Run(Contenders.DataflowBatched);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long Channels() => Run(Contenders.Channels);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long ChannelsBatched() => Run(Contenders.ChannelsBatched);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long AkkaStreams() => Run(Contenders.AkkaStreams);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long PipelinesBounded() => Run(Contenders.PipelinesBounded);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long PipelinesStreamingP1() => Run(Contenders.PipelinesStreamingP1);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long PipelinesStreamingP2() => Run(Contenders.PipelinesStreamingP2);
}

[BenchmarkCategory("TRecord")]
public class TRecord_TumblingCount : SuiteBase<TumblingCountRecord>
{
    protected override int Events => Sizes.Synthetic;

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic, Baseline = true)]
    public long HandLoop() => Run(Contenders.HandLoop);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long Linq() => Run(Contenders.Linq);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long Rx() => Run(Contenders.Rx);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long RxGroupBy() => Run(Contenders.RxGroupBy);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long Dataflow() => Run(Contenders.Dataflow);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long DataflowBatched() => Run(Contenders.DataflowBatched);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long Channels() => Run(Contenders.Channels);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long ChannelsBatched() => Run(Contenders.ChannelsBatched);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long AkkaStreams() => Run(Contenders.AkkaStreams);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long PipelinesBounded() => Run(Contenders.PipelinesBounded);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long PipelinesStreamingP1() => Run(Contenders.PipelinesStreamingP1);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long PipelinesStreamingP2() => Run(Contenders.PipelinesStreamingP2);
}

[BenchmarkCategory("T10")]
public class T10_TumblingCount : SuiteBase<TumblingCount10>
{
    protected override int Events => Sizes.Synthetic;

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic, Baseline = true)]
    public long HandLoop() => Run(Contenders.HandLoop);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long Linq() => Run(Contenders.Linq);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long Rx() => Run(Contenders.Rx);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long RxGroupBy() => Run(Contenders.RxGroupBy);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long Dataflow() => Run(Contenders.Dataflow);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long DataflowBatched() => Run(Contenders.DataflowBatched);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long Channels() => Run(Contenders.Channels);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long ChannelsBatched() => Run(Contenders.ChannelsBatched);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long AkkaStreams() => Run(Contenders.AkkaStreams);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long PipelinesBounded() => Run(Contenders.PipelinesBounded);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long PipelinesStreamingP1() => Run(Contenders.PipelinesStreamingP1);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long PipelinesStreamingP2() => Run(Contenders.PipelinesStreamingP2);
}

[BenchmarkCategory("TLong10")]
public class TLong10_TumblingCount : SuiteBase<TumblingCountLong10>
{
    protected override int Events => Sizes.Synthetic;

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic, Baseline = true)]
    public long HandLoop() => Run(Contenders.HandLoop);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long Linq() => Run(Contenders.Linq);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long Rx() => Run(Contenders.Rx);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long RxGroupBy() => Run(Contenders.RxGroupBy);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long Dataflow() => Run(Contenders.Dataflow);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long DataflowBatched() => Run(Contenders.DataflowBatched);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long Channels() => Run(Contenders.Channels);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long ChannelsBatched() => Run(Contenders.ChannelsBatched);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long AkkaStreams() => Run(Contenders.AkkaStreams);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long PipelinesBounded() => Run(Contenders.PipelinesBounded);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long PipelinesStreamingP1() => Run(Contenders.PipelinesStreamingP1);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long PipelinesStreamingP2() => Run(Contenders.PipelinesStreamingP2);
}

[BenchmarkCategory("TString10")]
public class TString10_TumblingCount : SuiteBase<TumblingCountString10>
{
    protected override int Events => Sizes.Synthetic;

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic, Baseline = true)]
    public long HandLoop() => Run(Contenders.HandLoop);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long Linq() => Run(Contenders.Linq);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long Rx() => Run(Contenders.Rx);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long RxGroupBy() => Run(Contenders.RxGroupBy);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long Dataflow() => Run(Contenders.Dataflow);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long DataflowBatched() => Run(Contenders.DataflowBatched);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long Channels() => Run(Contenders.Channels);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long ChannelsBatched() => Run(Contenders.ChannelsBatched);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long AkkaStreams() => Run(Contenders.AkkaStreams);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long PipelinesBounded() => Run(Contenders.PipelinesBounded);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long PipelinesStreamingP1() => Run(Contenders.PipelinesStreamingP1);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long PipelinesStreamingP2() => Run(Contenders.PipelinesStreamingP2);
}

[BenchmarkCategory("TGuid10")]
public class TGuid10_TumblingCount : SuiteBase<TumblingCountGuid10>
{
    protected override int Events => Sizes.Synthetic;

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic, Baseline = true)]
    public long HandLoop() => Run(Contenders.HandLoop);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long Linq() => Run(Contenders.Linq);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long Rx() => Run(Contenders.Rx);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long RxGroupBy() => Run(Contenders.RxGroupBy);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long Dataflow() => Run(Contenders.Dataflow);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long DataflowBatched() => Run(Contenders.DataflowBatched);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long Channels() => Run(Contenders.Channels);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long ChannelsBatched() => Run(Contenders.ChannelsBatched);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long AkkaStreams() => Run(Contenders.AkkaStreams);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long PipelinesBounded() => Run(Contenders.PipelinesBounded);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long PipelinesStreamingP1() => Run(Contenders.PipelinesStreamingP1);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long PipelinesStreamingP2() => Run(Contenders.PipelinesStreamingP2);
}

[BenchmarkCategory("Q0")]
public class Q0_Passthrough : SuiteBase<Q0Passthrough>
{
    protected override int Events => Sizes.Nexmark;

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark, Baseline = true)]
    public long HandLoop() => Run(Contenders.HandLoop);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long Linq() => Run(Contenders.Linq);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long Rx() => Run(Contenders.Rx);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long Dataflow() => Run(Contenders.Dataflow);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long DataflowBatched() => Run(Contenders.DataflowBatched);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long Channels() => Run(Contenders.Channels);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long ChannelsBatched() => Run(Contenders.ChannelsBatched);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long AkkaStreams() => Run(Contenders.AkkaStreams);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long PipelinesBounded() => Run(Contenders.PipelinesBounded);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long PipelinesStreamingP1() => Run(Contenders.PipelinesStreamingP1);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long PipelinesStreamingP2() => Run(Contenders.PipelinesStreamingP2);
}

[BenchmarkCategory("Q1")]
public class Q1_CurrencyMap : SuiteBase<Q1CurrencyMap>
{
    protected override int Events => Sizes.Nexmark;

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark, Baseline = true)]
    public long HandLoop() => Run(Contenders.HandLoop);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long Linq() => Run(Contenders.Linq);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long Rx() => Run(Contenders.Rx);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long Dataflow() => Run(Contenders.Dataflow);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long DataflowBatched() => Run(Contenders.DataflowBatched);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long Channels() => Run(Contenders.Channels);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long ChannelsBatched() => Run(Contenders.ChannelsBatched);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long AkkaStreams() => Run(Contenders.AkkaStreams);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long PipelinesBounded() => Run(Contenders.PipelinesBounded);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long PipelinesStreamingP1() => Run(Contenders.PipelinesStreamingP1);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long PipelinesStreamingP2() => Run(Contenders.PipelinesStreamingP2);
}

[BenchmarkCategory("Q2")]
public class Q2_Filter : SuiteBase<Q2Filter>
{
    protected override int Events => Sizes.Nexmark;

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark, Baseline = true)]
    public long HandLoop() => Run(Contenders.HandLoop);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long Linq() => Run(Contenders.Linq);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long Rx() => Run(Contenders.Rx);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long Dataflow() => Run(Contenders.Dataflow);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long DataflowBatched() => Run(Contenders.DataflowBatched);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long Channels() => Run(Contenders.Channels);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long ChannelsBatched() => Run(Contenders.ChannelsBatched);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long AkkaStreams() => Run(Contenders.AkkaStreams);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long PipelinesBounded() => Run(Contenders.PipelinesBounded);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long PipelinesStreamingP1() => Run(Contenders.PipelinesStreamingP1);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long PipelinesStreamingP2() => Run(Contenders.PipelinesStreamingP2);
}

[BenchmarkCategory("Q3")]
public class Q3_LocalItemSuggestion : SuiteBase<Q3LocalItemSuggestion>
{
    protected override int Events => Sizes.Nexmark;

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark, Baseline = true)]
    public long HandLoop() => Run(Contenders.HandLoop);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long Linq() => Run(Contenders.Linq);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long Rx() => Run(Contenders.Rx);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long Dataflow() => Run(Contenders.Dataflow);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long DataflowBatched() => Run(Contenders.DataflowBatched);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long Channels() => Run(Contenders.Channels);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long ChannelsBatched() => Run(Contenders.ChannelsBatched);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long AkkaStreams() => Run(Contenders.AkkaStreams);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long PipelinesBounded() => Run(Contenders.PipelinesBounded);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long PipelinesStreamingP1() => Run(Contenders.PipelinesStreamingP1);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long PipelinesStreamingP2() => Run(Contenders.PipelinesStreamingP2);
}

[BenchmarkCategory("Q4")]
public class Q4_AveragePriceByCategory : SuiteBase<Q4AveragePriceByCategory>
{
    protected override int Events => Sizes.Nexmark;

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark, Baseline = true)]
    public long HandLoop() => Run(Contenders.HandLoop);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long Linq() => Run(Contenders.Linq);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long Rx() => Run(Contenders.Rx);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long Dataflow() => Run(Contenders.Dataflow);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long DataflowBatched() => Run(Contenders.DataflowBatched);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long Channels() => Run(Contenders.Channels);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long ChannelsBatched() => Run(Contenders.ChannelsBatched);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long AkkaStreams() => Run(Contenders.AkkaStreams);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long PipelinesBounded() => Run(Contenders.PipelinesBounded);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long PipelinesStreamingP1() => Run(Contenders.PipelinesStreamingP1);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long PipelinesStreamingP2() => Run(Contenders.PipelinesStreamingP2);
}

[BenchmarkCategory("Q5")]
public class Q5_HotItems : SuiteBase<Q5HotItems>
{
    protected override int Events => Sizes.Nexmark;

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark, Baseline = true)]
    public long HandLoop() => Run(Contenders.HandLoop);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long Linq() => Run(Contenders.Linq);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long Rx() => Run(Contenders.Rx);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long Dataflow() => Run(Contenders.Dataflow);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long DataflowBatched() => Run(Contenders.DataflowBatched);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long Channels() => Run(Contenders.Channels);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long ChannelsBatched() => Run(Contenders.ChannelsBatched);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long AkkaStreams() => Run(Contenders.AkkaStreams);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long PipelinesBounded() => Run(Contenders.PipelinesBounded);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long PipelinesStreamingP1() => Run(Contenders.PipelinesStreamingP1);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long PipelinesStreamingP2() => Run(Contenders.PipelinesStreamingP2);
}

[BenchmarkCategory("Q6")]
public class Q6_AverageSellingPrice : SuiteBase<Q6AverageSellingPrice>
{
    protected override int Events => Sizes.Nexmark;

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark, Baseline = true)]
    public long HandLoop() => Run(Contenders.HandLoop);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long Linq() => Run(Contenders.Linq);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long Rx() => Run(Contenders.Rx);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long Dataflow() => Run(Contenders.Dataflow);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long DataflowBatched() => Run(Contenders.DataflowBatched);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long Channels() => Run(Contenders.Channels);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long ChannelsBatched() => Run(Contenders.ChannelsBatched);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long AkkaStreams() => Run(Contenders.AkkaStreams);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long PipelinesBounded() => Run(Contenders.PipelinesBounded);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long PipelinesStreamingP1() => Run(Contenders.PipelinesStreamingP1);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long PipelinesStreamingP2() => Run(Contenders.PipelinesStreamingP2);
}

[BenchmarkCategory("Q7")]
public class Q7_HighestBid : SuiteBase<Q7HighestBid>
{
    protected override int Events => Sizes.Nexmark;

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark, Baseline = true)]
    public long HandLoop() => Run(Contenders.HandLoop);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long Linq() => Run(Contenders.Linq);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long Rx() => Run(Contenders.Rx);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long Dataflow() => Run(Contenders.Dataflow);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long DataflowBatched() => Run(Contenders.DataflowBatched);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long Channels() => Run(Contenders.Channels);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long ChannelsBatched() => Run(Contenders.ChannelsBatched);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long AkkaStreams() => Run(Contenders.AkkaStreams);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long PipelinesBounded() => Run(Contenders.PipelinesBounded);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long PipelinesStreamingP1() => Run(Contenders.PipelinesStreamingP1);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long PipelinesStreamingP2() => Run(Contenders.PipelinesStreamingP2);
}

[BenchmarkCategory("Q8")]
public class Q8_NewUsers : SuiteBase<Q8NewUsers>
{
    protected override int Events => Sizes.Nexmark;

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark, Baseline = true)]
    public long HandLoop() => Run(Contenders.HandLoop);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long Linq() => Run(Contenders.Linq);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long Rx() => Run(Contenders.Rx);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long Dataflow() => Run(Contenders.Dataflow);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long DataflowBatched() => Run(Contenders.DataflowBatched);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long Channels() => Run(Contenders.Channels);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long ChannelsBatched() => Run(Contenders.ChannelsBatched);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long AkkaStreams() => Run(Contenders.AkkaStreams);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long PipelinesBounded() => Run(Contenders.PipelinesBounded);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long PipelinesStreamingP1() => Run(Contenders.PipelinesStreamingP1);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long PipelinesStreamingP2() => Run(Contenders.PipelinesStreamingP2);
}

[BenchmarkCategory("Q11")]
public class Q11_Sessions : SuiteBase<Q11Sessions>
{
    protected override int Events => Sizes.Nexmark;

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark, Baseline = true)]
    public long HandLoop() => Run(Contenders.HandLoop);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long Linq() => Run(Contenders.Linq);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long Rx() => Run(Contenders.Rx);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long Dataflow() => Run(Contenders.Dataflow);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long DataflowBatched() => Run(Contenders.DataflowBatched);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long Channels() => Run(Contenders.Channels);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long ChannelsBatched() => Run(Contenders.ChannelsBatched);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long AkkaStreams() => Run(Contenders.AkkaStreams);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long PipelinesBounded() => Run(Contenders.PipelinesBounded);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long PipelinesStreamingP1() => Run(Contenders.PipelinesStreamingP1);

    [Benchmark(OperationsPerInvoke = Sizes.Nexmark)]
    public long PipelinesStreamingP2() => Run(Contenders.PipelinesStreamingP2);
}
