namespace PredictiveSharding.Topology;

/// <summary>The identity of a partition (a contiguous key range served as one unit).</summary>
public readonly record struct PartitionId
{
    /// <summary>Creates an id.</summary>
    /// <exception cref="ArgumentException"><paramref name="value"/> is null, empty or white space.</exception>
    public PartitionId(string value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new ArgumentException($"A partition id must not be empty; got '{value}'.", nameof(value));
        }

        Value = value;
    }

    /// <summary>The id's text.</summary>
    public string Value { get; }

    /// <inheritdoc />
    public override string ToString() => Value ?? string.Empty;
}
