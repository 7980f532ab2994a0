using PredictiveSharding.Execution.Diagnostics;
using PredictiveSharding.Routing;

namespace PredictiveSharding.Execution.Moves;

/// <summary>The executor's one way to publish a routing map.</summary>
internal static class RoutingPublisher
{
    /// <summary>
    /// <see cref="IRoutingTable.TryPublish"/>, where a <see cref="IRoutingTable.Changed"/> subscriber that throws counts as
    /// a publish (true), logged: the map is in force (<see cref="RoutingSubscriberException"/>), so rolling the action back
    /// would fight a routing version that already sends requests to the new owner.
    /// </summary>
    public static bool TryPublish(ExecutorServices services, string actionId, RoutingMap current, RoutingMap next)
    {
        try
        {
            return services.Routing.TryPublish(current, next);
        }
        catch (RoutingSubscriberException e)
        {
            ExecutorLog.SubscriberFailed(services.Logger, actionId, next.Version, e);
            return true;
        }
    }
}
