using PredictiveSharding.Simulation.Cluster;
using PredictiveSharding.Simulation.Strategies.Reactive;

namespace PredictiveSharding.Simulation.Strategies.Planned;

/// <summary>
/// A reactive balancer replayed beside a planned strategy on its own copy of the cluster and over the same past, so the
/// planned strategy can ask what the reactive system it replaces would have moved by now. It is replayed exactly as the
/// simulator replays a strategy (acting before each step after the warm-up), so at the end of the trace it has moved what
/// the same reactive strategy replayed on its own moved; it never reads a step before the planned strategy has.
/// </summary>
internal sealed class ReactiveShadow
{
    private readonly ClusterModel _cluster;
    private readonly ReactiveRebalancer _reactive;
    private int _actedAt = -1;

    public ReactiveShadow(KeyLoads loads, ClusterSetup setup, ReactiveRebalancer reactive)
    {
        ArgumentNullException.ThrowIfNull(loads);
        ArgumentNullException.ThrowIfNull(setup);
        _cluster = new ClusterModel(loads, setup);
        _reactive = reactive ?? throw new ArgumentNullException(nameof(reactive));
    }

    /// <summary>
    /// The bytes the reactive balancer has started moving after the warm-up, up to and including its actions before
    /// <paramref name="step"/> (which read only the steps before it). Steps must not go backwards.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="step"/> lies before a step already replayed.</exception>
    public async ValueTask<long> BytesMovedByAsync(int step, CancellationToken cancellationToken)
    {
        if (step < _cluster.Step)
        {
            throw new ArgumentOutOfRangeException(nameof(step), step, $"The reactive shadow has replayed up to step {_cluster.Step} and cannot go back to step {step}.");
        }

        while (true)
        {
            if (_actedAt < _cluster.Step && _cluster.Step >= _cluster.Setup.WarmupSteps && !_cluster.Finished)
            {
                await _reactive.BeforeStepAsync(_cluster, cancellationToken).ConfigureAwait(false);
                _actedAt = _cluster.Step;
            }

            if (_cluster.Step >= step || _cluster.Finished)
            {
                return _cluster.Metrics.BytesMoved;
            }

            _cluster.Advance();
        }
    }
}
