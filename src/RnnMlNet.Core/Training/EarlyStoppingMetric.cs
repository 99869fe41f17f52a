namespace RnnMlNet;

/// <summary>What early stopping watches on the validation examples, to keep the best epoch's weights.</summary>
public enum EarlyStoppingMetric
{
    /// <summary>The validation loss.</summary>
    Loss,

    /// <summary>The share of wrong predictions (ties go to the lower loss), for classifiers; with class weights, each
    /// prediction counts with its class's weight, as in the loss. A classifier's validation loss
    /// often rises from growing confidence on the rows it gets wrong while it still gets more rows right, so the lowest
    /// loss comes epochs before the fewest errors.</summary>
    ErrorRate,
}
