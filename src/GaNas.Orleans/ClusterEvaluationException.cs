namespace GaNas.Orleans;

/// <summary>An architecture the cluster could not score: every attempt's silo was lost or silent, or no silo serves the work.</summary>
public sealed class ClusterEvaluationException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    public ClusterEvaluationException(string message, Exception? inner = null) : base(message, inner)
    {
    }

    /// <summary>Creates the exception.</summary>
    public ClusterEvaluationException() : base("The cluster could not score the architecture.")
    {
    }

    /// <summary>Creates the exception.</summary>
    public ClusterEvaluationException(string message) : base(message)
    {
    }
}
