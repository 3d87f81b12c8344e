using Pipelines;

namespace FraudDetection;

/// <summary>payments → by card → 10-minute windows every minute, a pane per payment → threshold crossings → alerts.</summary>
public static class FraudPipeline
{
    /// <summary>How far behind the newest payment a payment may arrive and still be on time.</summary>
    public static readonly TimeSpan OutOfOrderness = TimeSpan.FromSeconds(10);

    /// <summary>How long after a window's end a late payment still updates it.</summary>
    public static readonly TimeSpan AllowedLateness = TimeSpan.FromMinutes(5);

    public static Pipeline Define(Source<CardTransaction> payments, Sink<Alert> alerts, Sink<CardTransaction> tooLate)
    {
        var p = new PipelineBuilder("fraud-detection");
        var activity = p.From(payments)
            .WithEventTime(t => t.Time, Watermarks.BoundedOutOfOrderness(OutOfOrderness))
            .KeyBy(t => t.Card)
            .Window(Windows.Sliding(FraudRules.WindowSize, FraudRules.Slide))
            .AllowedLateness(AllowedLateness)
            .EarlyResults(1)
            .Aggregate(new CardActivityAggregator());

        activity.SelectMany(FraudRules.Check).To(alerts);
        activity.LateElements().To(tooLate);
        return p.Build();
    }
}
