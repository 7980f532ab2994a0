using System.Globalization;

namespace PredictiveSharding.Routing;

/// <summary>
/// One or more <see cref="IRoutingTable.Changed"/> subscribers threw after a routing map WAS published. The publish itself
/// succeeded and is not undone: <see cref="Published"/> is in force (it is what <see cref="IRoutingTable.TryPublish"/> would
/// have reported with <c>true</c>, and what <see cref="RoutingTableExtensions.Apply"/> would have returned). Every subscriber
/// ran; <see cref="Exception.InnerException"/> is an <see cref="AggregateException"/> holding each subscriber's exception in
/// subscription order.
/// </summary>
public sealed class RoutingSubscriberException : Exception
{
    /// <summary>Creates the exception for the subscribers that threw after <paramref name="published"/> was published.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="published"/> or <paramref name="failures"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="failures"/> is empty or holds a null.</exception>
    public RoutingSubscriberException(RoutingMap published, IReadOnlyList<Exception> failures)
        : base(Describe(published, failures), new AggregateException(failures))
    {
        Published = published;
    }

    /// <summary>Creates the exception with a message only (for serializers and tooling).</summary>
    public RoutingSubscriberException()
    {
    }

    /// <summary>Creates the exception with a message only (for serializers and tooling).</summary>
    public RoutingSubscriberException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and an inner exception (for serializers and tooling).</summary>
    public RoutingSubscriberException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The map that was published and is in force; null only for the message-only constructors.</summary>
    public RoutingMap? Published { get; }

    private static string Describe(RoutingMap published, IReadOnlyList<Exception> failures)
    {
        ArgumentNullException.ThrowIfNull(published);
        ArgumentNullException.ThrowIfNull(failures);
        if (failures.Count == 0)
        {
            throw new ArgumentException("At least one subscriber failure is needed; got none.", nameof(failures));
        }

        for (var i = 0; i < failures.Count; i++)
        {
            if (failures[i] is null)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Subscriber failure {i} is null."), nameof(failures));
            }
        }

        var first = failures[0];
        return string.Create(CultureInfo.InvariantCulture, $"Routing version {published.Version} WAS published and is in force; {failures.Count} Changed subscriber(s) threw afterwards (the first: {first.GetType().Name}: {first.Message}). Every subscriber ran; see InnerException for each failure.");
    }
}
