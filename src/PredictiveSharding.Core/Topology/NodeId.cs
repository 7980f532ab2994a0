namespace PredictiveSharding.Topology;

/// <summary>The identity of a node (a server that owns partitions).</summary>
public readonly record struct NodeId
{
    /// <summary>Creates an id.</summary>
    /// <exception cref="ArgumentException"><paramref name="value"/> is null, empty or white space.</exception>
    public NodeId(string value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new ArgumentException($"A node id must not be empty; got '{value}'.", nameof(value));
        }

        Value = value;
    }

    /// <summary>The id's text.</summary>
    public string Value { get; }

    /// <inheritdoc />
    public override string ToString() => Value ?? string.Empty;
}
