namespace PredictiveSharding.Routing;

/// <summary>A change to the routing map: a split, a merge or a move. Changes are applied together, atomically, by <see cref="RoutingMap.Apply(IEnumerable{RoutingChange})"/>.</summary>
public abstract record RoutingChange
{
    private protected RoutingChange()
    {
    }
}
