using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Pipelines.Hosting;

/// <summary>
/// Reports one hosted pipeline's state: Running is healthy; Starting, Draining and Stopped are degraded (the
/// pipeline is not processing, but nothing went wrong); Failed reports the registration's failure status
/// (unhealthy by default) with the error, and so does a name that no pipeline has.
/// </summary>
internal sealed class PipelineHealthCheck(PipelineStatusRegistry? registry, string pipelineName) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (registry is null || !registry.TryGet(pipelineName, out var status))
        {
            return Task.FromResult(new HealthCheckResult(
                context.Registration.FailureStatus,
                $"No pipeline named '{pipelineName}' is registered: add it with services.AddPipeline(\"{pipelineName}\", ...)."));
        }

        var current = status.Current;
        var data = new Dictionary<string, object>
        {
            ["state"] = current.State.ToString(),
            ["elementsRead"] = status.ElementsRead,
            ["lateElementsDropped"] = status.LateElementsDropped,
            ["checkpointsCompleted"] = status.CheckpointsCompleted,
        };
        string name = status.Name;
        var result = current.State switch
        {
            PipelineState.Running => HealthCheckResult.Healthy($"Pipeline '{name}' is running.", data),
            PipelineState.Starting => HealthCheckResult.Degraded($"Pipeline '{name}' has not started yet.", data: data),
            PipelineState.Draining => HealthCheckResult.Degraded($"Pipeline '{name}' is draining for shutdown.", data: data),
            PipelineState.Stopped => HealthCheckResult.Degraded($"Pipeline '{name}' has stopped.", data: data),
            _ => new HealthCheckResult(context.Registration.FailureStatus, $"Pipeline '{name}' failed: {current.Error?.Message}", current.Error, data),
        };
        return Task.FromResult(result);
    }
}
