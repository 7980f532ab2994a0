namespace PredictiveSharding.Planning;

/// <summary>One step of a plan. Every action says why it is there.</summary>
public abstract record ShardingAction
{
    private protected ShardingAction(string reason)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        Reason = reason;
    }

    /// <summary>Why: which resource on which node is predicted to cross which threshold at which step and quantile, or which limit is passed.</summary>
    public string Reason { get; }
}
