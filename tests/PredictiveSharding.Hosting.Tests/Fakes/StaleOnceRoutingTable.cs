using PredictiveSharding.Routing;

namespace PredictiveSharding.Hosting.Tests.Fakes;

/// <summary>
/// A routing table that returns <see cref="StaleNext"/> from the next read of <see cref="Current"/> and the inner table's
/// map afterwards: a reader that took the map just before another writer published a new one.
/// </summary>
internal sealed class StaleOnceRoutingTable(IRoutingTable inner) : IRoutingTable
{
    public RoutingMap? StaleNext { get; set; }

    public RoutingMap Current
    {
        get
        {
            var stale = StaleNext;
            StaleNext = null;
            return stale ?? inner.Current;
        }
    }

    public event EventHandler<RoutingChangedEventArgs>? Changed
    {
        add => inner.Changed += value;
        remove => inner.Changed -= value;
    }

    public bool TryPublish(RoutingMap expected, RoutingMap successor) => inner.TryPublish(expected, successor);
}
