namespace PredictiveSharding.Routing;

/// <summary>What changed when a routing version was published.</summary>
public sealed class RoutingChangedEventArgs : EventArgs
{
    /// <summary>Creates the arguments.</summary>
    public RoutingChangedEventArgs(RoutingMap previous, RoutingMap current)
    {
        Previous = previous;
        Current = current;
    }

    /// <summary>The map that was replaced.</summary>
    public RoutingMap Previous { get; }

    /// <summary>The map now in force.</summary>
    public RoutingMap Current { get; }
}
